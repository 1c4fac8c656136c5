/** An extract module that throws while it loads. */
throw new Error("broken at load");
