/** An extract module without a default export. */
export const hook = () => 1;
