/** The API server's errors, apart from the client so that a caller can tell them without loading it. */
import { isObject } from './object.js';

/** An HTTP answer other than 2xx, with the Kubernetes Status the server sent when there was one. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    readonly method: string,
    readonly path: string,
  ) {
    const status = isObject(body) ? body : {};
    const text = typeof status.message === 'string' ? status.message : typeof body === 'string' ? body : '';
    super(`${method} ${path}: HTTP ${code}${text ? `: ${text.slice(0, 300)}` : ''}`);
    this.name = 'ApiError';
  }

  get reason(): string | undefined {
    return isObject(this.body) && typeof this.body.reason === 'string' ? this.body.reason : undefined;
  }
}

/** The HTTP status of an error from this client or from client-node, if it has one. */
export function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof ApiError) return err.code;
  if (isObject(err) && typeof err.code === 'number') return err.code;
  return undefined;
}
