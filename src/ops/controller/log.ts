/** Structured logs: one JSON object per line, `{time, level, msg, ...fields}`. */

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: Level, msg: string, fields?: Record<string, unknown>) => void;

const rank: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function jsonLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
  minLevel: Level = 'info',
): Logger {
  return (level, msg, fields = {}) => {
    if (rank[level] < rank[minLevel]) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
}

export const silentLogger: Logger = () => undefined;
