import { StoreError } from './store-error.ts';

/** Default bound on one stored value, in UTF-8 bytes of its JSON: 1 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

/**
 * Encodes `value` as JSON, bounded to `maxBytes` UTF-8 bytes.
 *
 * @throws {StoreError} `STORE_INVALID_VALUE` when JSON cannot represent it (undefined, a
 *   function, a BigInt, a cycle); `STORE_VALUE_TOO_LARGE` when the JSON is too long.
 */
export function encodeValue(value: unknown, maxBytes: number, key: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new StoreError('STORE_INVALID_VALUE', `value of ${JSON.stringify(key)} cannot be encoded as JSON`, {
      cause: error,
    });
  }
  if (json === undefined) {
    throw new StoreError(
      'STORE_INVALID_VALUE',
      `value of ${JSON.stringify(key)} cannot be encoded as JSON (got ${typeof value})`,
    );
  }
  // Each UTF-16 unit is at most 3 UTF-8 bytes: only count bytes when it can matter.
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > maxBytes) {
      throw new StoreError(
        'STORE_VALUE_TOO_LARGE',
        `value of ${JSON.stringify(key)} is ${bytes} bytes of JSON, over the limit of ${maxBytes}`,
      );
    }
  }
  return json;
}

/**
 * Decodes a stored value.
 *
 * @throws {StoreError} `STORE_CORRUPT` when the stored text is not JSON.
 */
export function decodeValue<V>(text: string, key: string, location: string): V {
  try {
    return JSON.parse(text) as V;
  } catch (error) {
    throw new StoreError(
      'STORE_CORRUPT',
      `stored value of ${JSON.stringify(key)} in ${location} is not valid JSON: the entry was written by something other than @talkbus/store, or the data is damaged; delete or rewrite the entry, or restore a backup`,
      { cause: error, location },
    );
  }
}
