import { StreamableFile } from '@nestjs/common';

/** `Content-Type` of JSON bodies, as Express's `res.json` sets it. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** `value` serialized as Express's `res.json` does it (no replacer, no indentation), UTF-8. */
export function serializeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/**
 * A JSON response body serialized beforehand (a read model's view, serialized once per version) for a controller
 * to return: Nest sends the bytes as they are, so a request costs no `JSON.stringify` and no new 100s-of-KiB
 * buffer. The client gets the same bytes and `Content-Type` as when the controller returns the object.
 */
export function jsonBody(serialized: Buffer): StreamableFile {
  return new StreamableFile(serialized, { type: JSON_CONTENT_TYPE, length: serialized.length });
}
