/**
 * JSON output for scripts: results on stdout, errors as one JSON object on stderr.
 */

/** The JSON form of an error, without stack traces. */
export function errorJson(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const e = err as Error & { code?: unknown; type?: unknown; data?: unknown; key?: unknown };
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  // Moleculer errors: `type` is the readable code, `code` the numeric status.
  if (typeof e.type === 'string') out.code = e.type;
  else if (e.code !== undefined) out.code = e.code;
  if (typeof e.code === 'number') out.status = e.code;
  if (e.data !== undefined) out.data = e.data;
  if (e.key !== undefined) out.key = e.key;
  return out;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printError(err: unknown): void {
  process.stderr.write(`${JSON.stringify({ error: errorJson(err) })}\n`);
}
