/**
 * `promise`, or a rejection with `signal.reason` as soon as `signal` aborts
 * (the promise itself is not cancelled: its late outcome is dropped).
 * Without a signal, `promise` itself.
 *
 * @param promise What to wait for.
 * @param signal Stops the wait.
 * @returns A promise that settles like `promise`, or rejects on abort.
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
