#!/usr/bin/env node
/* global process, fetch, AbortSignal, console, Buffer */
// Puts the Amazon RDS CA bundle at <file> for TLS to prm's metadata store (PRM_DATABASE_SSL=verify-full) and checks it.
// Used by deploy/Dockerfile's `certs` stage. A bundle already at <file> (copied from deploy/certs/: air-gapped builds,
// GovCloud/China partitions) is kept and nothing is downloaded; otherwise it is fetched over HTTPS from <url>
// (default: the global bundle, docs "Using SSL/TLS to encrypt a connection to a DB instance or cluster").
// Either way every PEM block must parse as a CA certificate of "Amazon RDS" and at least one must be current, so a
// proxy's error page, a truncated download or an unrelated CA stops the image build instead of every task at start.
// Usage: node rds-ca-bundle.mjs <file> [https-url]. Exit 0 with a one-line summary; 1 with the reason on stderr.
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

export const DEFAULT_URL = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';
const MAX_BYTES = 2 * 1024 * 1024; // the global bundle is ~160 KB

/**
 * Checks a PEM bundle: every certificate a CA (basicConstraints CA:TRUE) whose subject names "Amazon RDS" (OU or CN),
 * at least one valid at `now` (expired ones are harmless in a trust store and AWS may keep them a while).
 * @returns `{ count, expired }`: certificates in the bundle, of which expired at `now`.
 * @throws Error naming the first offending certificate (its position and subject), or saying none is current.
 */
export function checkBundle(pem, now = new Date()) {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate in it');
  let expired = 0;
  blocks.forEach((block, i) => {
    let cert;
    try {
      cert = new X509Certificate(block);
    } catch (e) {
      throw new Error(`certificate ${i + 1} does not parse (${e.message})`);
    }
    const subject = cert.subject.replace(/\n/g, ', ');
    if (!/Amazon RDS/.test(cert.subject)) throw new Error(`certificate ${i + 1} is not an Amazon RDS CA: ${subject}`);
    if (!cert.ca) throw new Error(`certificate ${i + 1} is not a CA certificate: ${subject}`);
    if (new Date(cert.validTo).getTime() <= now.getTime()) expired += 1;
  });
  if (expired === blocks.length) throw new Error(`all ${blocks.length} certificates have expired`);
  return { count: blocks.length, expired };
}

async function fetchBundle(url) {
  if (!/^https:\/\//.test(url)) throw new Error(`refusing ${url}: the bundle is trust material, HTTPS only`);
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(30_000) }).catch((e) => {
    throw new Error(`GET ${url} failed: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_BYTES) throw new Error(`GET ${url}: ${body.length} bytes, more than a CA bundle`);
  return body.toString('utf8');
}

async function main([file, url = DEFAULT_URL]) {
  if (!file) throw new Error('usage: node rds-ca-bundle.mjs <file> [https-url]');
  const present = existsSync(file) && statSync(file).size > 0;
  const pem = present ? readFileSync(file, 'utf8') : await fetchBundle(url);
  const { count, expired } = checkBundle(pem);
  if (!present) writeFileSync(file, pem, { mode: 0o644 });
  const sha256 = createHash('sha256').update(pem).digest('hex');
  const source = present ? 'kept from deploy/certs' : `fetched from ${url}`;
  console.log(`${file}: ${count} Amazon RDS CA certificates (${expired} expired), ${source}, sha256 ${sha256}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`rds-ca-bundle: ${e.message}`);
    process.exit(1);
  });
}
