// TestPki: a throwaway PKI made with the openssl command, for the TLS
// tests: a CA, a server certificate for 127.0.0.1 and localhost, and client
// certificates, each an EC P-256 key and a PEM certificate valid for a day.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const CURVE = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(...args) {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

export class TestPki {
  #dir;
  #serial = 1;

  constructor(dir) {
    this.#dir = dir;
  }

  /** {certFile, keyFile} of a new self-signed CA. */
  makeCa(name) {
    const certFile = path.join(this.#dir, `${name}.pem`);
    const keyFile = path.join(this.#dir, `${name}.key`);
    openssl('req', '-x509', '-new', ...CURVE, '-keyout', keyFile, '-out', certFile,
      '-days', '1', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    return { certFile, keyFile };
  }

  /** {certFile, keyFile} of a certificate `ca` issued with `extensions`. */
  issue(ca, name, extensions) {
    const certFile = path.join(this.#dir, `${name}.pem`);
    const keyFile = path.join(this.#dir, `${name}.key`);
    const csr = path.join(this.#dir, `${name}.csr`);
    const ext = path.join(this.#dir, `${name}.ext`);
    writeFileSync(ext, extensions);
    openssl('req', '-new', ...CURVE, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`);
    this.#serial += 1;
    openssl('x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile,
      '-set_serial', String(this.#serial), '-days', '1', '-extfile', ext, '-out', certFile);
    return { certFile, keyFile };
  }

  server(ca, name = 'server') {
    return this.issue(ca, name,
      'subjectAltName=IP:127.0.0.1,DNS:localhost\n' +
        'extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  }

  client(ca, name = 'ci-runner') {
    return this.issue(ca, name,
      'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  }
}

/** Writes a gateway --auth-tokens-file (`NAME SHA256HEX` a line) for {name: token}. */
export function writeTokensFile(file, tokens) {
  writeFileSync(file, Object.entries(tokens)
    .map(([name, token]) => `${name} ${createHash('sha256').update(token).digest('hex')}\n`)
    .join(''));
  return file;
}
