// The sandbox plays an RFC 3161 Time-Stamp Authority on loopback, with its own key and a
// self-signed certificate for time-stamping only (critical EKU id-kp-timeStamping), built with
// pkijs: `POST /tsa` (application/timestamp-query) answers a TimeStampResp whose token is CMS
// SignedData over a TSTInfo (the request's imprint and nonce, a serial, genTime), with the content
// type, message digest and ESS signingCertificateV2 attributes; `GET /tsa/certificate` gives its
// certificate (PEM). `openssl ts -verify` accepts its tokens. For development and tests only.
import * as asn1js from "asn1js";
import { createHash, webcrypto } from "node:crypto";
import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import * as pkijs from "pkijs";

pkijs.setEngine("node-webcrypto", new pkijs.CryptoEngine({ name: "node-webcrypto", crypto: webcrypto as never }));

const OID = {
  sha256: "2.16.840.1.101.3.4.2.1",
  signedData: "1.2.840.113549.1.7.2",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  kpTimeStamping: "1.3.6.1.5.5.7.3.8",
  commonName: "2.5.4.3",
  policy: "1.3.6.1.4.1.99999.1",
} as const;
const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

export interface TsaIdentity {
  certificate: pkijs.Certificate;
  certificateDer: Buffer;
  certificatePem: string;
  privateKey: webcrypto.CryptoKey;
  /** Serial numbers given so far (each token gets the next). */
  serial: bigint;
}

const u8 = (b: Uint8Array) => new Uint8Array(b);
const der = (o: { toSchema(): asn1js.BaseBlock }) => Buffer.from(o.toSchema().toBER());
const sha256 = (d: Uint8Array) => createHash("sha256").update(d).digest();
const pem = (label: string, body: Buffer) =>
  `-----BEGIN ${label}-----\n${body
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END ${label}-----\n`;
const unpem = (text: string) => Buffer.from(text.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");

function fromCertificate(certificateDer: Buffer, privateKey: webcrypto.CryptoKey): TsaIdentity {
  const certificate = pkijs.Certificate.fromBER(u8(certificateDer));
  return { certificate, certificateDer, certificatePem: pem("CERTIFICATE", certificateDer), privateKey, serial: 0n };
}

/** A fresh TSA: an RSA-2048 key and a self-signed certificate for time-stamping only, valid for ten years. */
export async function makeTsaIdentity(commonName = "Proviso sandbox Time-Stamp Authority"): Promise<TsaIdentity & { privateKeyPem: string }> {
  const keys = await webcrypto.subtle.generateKey({ ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ["sign", "verify"]);
  const name = () =>
    new pkijs.RelativeDistinguishedNames({
      typesAndValues: [new pkijs.AttributeTypeAndValue({ type: OID.commonName, value: new asn1js.Utf8String({ value: commonName }) })],
    });
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = asn1js.Integer.fromBigInt(BigInt(`0x${Buffer.from(webcrypto.getRandomValues(new Uint8Array(15))).toString("hex")}`));
  cert.issuer = name();
  cert.subject = name();
  cert.notBefore.value = new Date(Date.now() - 86_400_000);
  cert.notAfter.value = new Date(Date.now() + 10 * 365 * 86_400_000);
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey as never);
  const eku = new pkijs.ExtKeyUsage({ keyPurposes: [OID.kpTimeStamping] });
  const digitalSignature = new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 });
  cert.extensions = [
    new pkijs.Extension({ extnID: OID.extKeyUsage, critical: true, extnValue: eku.toSchema().toBER(), parsedValue: eku }),
    new pkijs.Extension({ extnID: OID.keyUsage, critical: true, extnValue: digitalSignature.toBER() }),
  ];
  await cert.sign(keys.privateKey as never, "SHA-256");
  const certificateDer = Buffer.from(cert.toSchema(true).toBER());
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { ...fromCertificate(certificateDer, keys.privateKey), privateKeyPem: pem("PRIVATE KEY", pkcs8) };
}

/** The TSA kept in `dir` (tsa-key.pem, tsa-cert.pem), made there on first use: the worker trusts tsa-cert.pem. */
export async function loadOrCreateTsa(dir: string): Promise<TsaIdentity> {
  const [keyFile, certFile] = [path.join(dir, "tsa-key.pem"), path.join(dir, "tsa-cert.pem")];
  if (fs.existsSync(keyFile) && fs.existsSync(certFile)) {
    const key = await webcrypto.subtle.importKey("pkcs8", unpem(fs.readFileSync(keyFile, "utf8")), RSA, false, ["sign"]);
    return fromCertificate(unpem(fs.readFileSync(certFile, "utf8")), key);
  }
  const made = await makeTsaIdentity();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(keyFile, made.privateKeyPem, { mode: 0o600 });
  fs.writeFileSync(certFile, made.certificatePem);
  return made;
}

/** A DER TimeStampResp for a DER TimeStampReq: granted (SHA-256 imprints only), or a rejection. */
export async function respondTimestamp(requestDer: Uint8Array, tsa: TsaIdentity, now: Date): Promise<Buffer> {
  const req = pkijs.TimeStampReq.fromBER(u8(requestDer));
  const imprint = req.messageImprint;
  if (req.version !== 1 || imprint.hashAlgorithm.algorithmId !== OID.sha256 || imprint.hashedMessage.valueBlock.valueHexView.byteLength !== 32) {
    return der(new pkijs.TimeStampResp({ status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.rejection }) }));
  }
  tsa.serial += 1n;
  const tstDer = der(
    new pkijs.TSTInfo({
      version: 1,
      policy: OID.policy,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() }),
        hashedMessage: new asn1js.OctetString({ valueHex: imprint.hashedMessage.valueBlock.valueHexView }),
      }),
      serialNumber: asn1js.Integer.fromBigInt(BigInt(now.getTime()) * 1000n + tsa.serial),
      genTime: now,
      ...(req.nonce ? { nonce: asn1js.Integer.fromBigInt(req.nonce.toBigInt()) } : {}),
    }),
  );
  const cert = tsa.certificate;
  // ESS signingCertificateV2 (RFC 5035), which pkijs has no class for: assembled from its parts.
  const essCertIdV2 = new asn1js.Sequence({
    value: [
      new asn1js.OctetString({ valueHex: u8(sha256(tsa.certificateDer)) }),
      new pkijs.IssuerSerial({
        serialNumber: cert.serialNumber,
        issuer: new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 4, value: cert.issuer })] }),
      }).toSchema(),
    ],
  });
  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: u8(sha256(tstDer)) })] }),
    new pkijs.Attribute({ type: OID.signingCertificateV2, values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })] }),
  ].sort((a, b) => Buffer.compare(der(a), der(b))); // DER orders a SET OF; pkijs does not
  const signedData = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.tstInfo }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
      }),
    ],
    ...(req.certReq ? { certificates: [cert] } : {}),
  });
  // Set after construction: the constructor would re-wrap the content as a constructed (non-DER) OCTET STRING.
  signedData.encapContentInfo.eContent = new asn1js.OctetString({ valueHex: u8(tstDer) });
  await signedData.sign(tsa.privateKey as never, 0, "SHA-256");
  return der(
    new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
      timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }),
    }),
  );
}

/** `POST /tsa` and `GET /tsa/certificate`, answered on the raw request (the body is binary DER). */
export async function serveTsa(req: http.IncomingMessage, res: http.ServerResponse, tsa: TsaIdentity | undefined, now: Date): Promise<void> {
  if (!tsa)
    return void res
      .writeHead(404, { "content-type": "application/json" })
      .end(JSON.stringify({ error: "the sandbox was started without a time-stamp authority" }));
  if (req.method === "GET" && req.url === "/tsa/certificate")
    return void res.writeHead(200, { "content-type": "application/x-pem-file" }).end(tsa.certificatePem);
  if (req.method !== "POST" || (req.headers["content-type"] ?? "") !== "application/timestamp-query")
    return void res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "POST an application/timestamp-query" }));
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    const reply = await respondTimestamp(Buffer.concat(chunks), tsa, now);
    res.writeHead(200, { "content-type": "application/timestamp-reply" }).end(reply);
  } catch (err) {
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: `not a TimeStampReq: ${(err as Error).message}` }));
  }
}
