/** A Go-style error: a message plus whether crossplane-runtime's fieldpath.IsNotFound would see it. */
export class GoError extends Error {
  readonly notFound: boolean;

  constructor(message: string, notFound = false) {
    // Go errors are values: no stack. Capturing one dominated render time (most are "not found").
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'GoError';
    this.notFound = notFound;
  }
}

/** errors.Wrap: prefixes the message, keeps the cause (and so IsNotFound). */
export function wrap(err: unknown, message: string): GoError {
  const inner = asGoError(err);
  return new GoError(`${message}: ${inner.message}`, inner.notFound);
}

export function asGoError(err: unknown): GoError {
  if (err instanceof GoError) return err;
  if (err instanceof Error) return new GoError(err.message);
  return new GoError(String(err));
}

export function isNotFound(err: unknown): boolean {
  return err instanceof GoError && err.notFound;
}
