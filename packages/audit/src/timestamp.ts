// RFC 3161 time-stamps over checkpoints, with pkijs (ASN.1 and CMS; no encoder of our own): the
// request a Time-Stamp Authority answers, and the check of its token — status granted, the
// message imprint is the checkpoint's digest, the CMS signature is by the one TSA certificate
// trusted (pinned: a TSA's own certificate cannot be a CA, which pkijs's chain check demands),
// the certificate is for time-stamping (critical EKU) and valid at genTime, and the ESS
// signingCertificateV2 attribute names it. `openssl ts -verify` accepts the same tokens.
import * as asn1js from "asn1js";
import { createHash, webcrypto } from "node:crypto";
import * as pkijs from "pkijs";

pkijs.setEngine("node-webcrypto", new pkijs.CryptoEngine({ name: "node-webcrypto", crypto: webcrypto as never }));

export const TSA_OID = {
  sha256: "2.16.840.1.101.3.4.2.1",
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  extKeyUsage: "2.5.29.37",
  kpTimeStamping: "1.3.6.1.5.5.7.3.8",
} as const;

export interface VerifiedTimestamp {
  genTime: Date;
  serialNumber: string;
  policy: string;
}

const u8 = (b: Uint8Array) => new Uint8Array(b);
const der = (o: { toSchema(): asn1js.BaseBlock }) => Buffer.from(o.toSchema().toBER());
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest();

/** What a checkpoint's time-stamp covers: its signed text and its signature. */
export const timestampDigest = (signedText: string, signature: string) => sha256(Buffer.from(`${signedText}\nsignature=${signature}`, "utf8"));

/** A DER TimeStampReq (v1) for a SHA-256 digest, asking for the TSA's certificate, with a nonce. */
export function timestampRequest(digest: Uint8Array, nonce: bigint): Buffer {
  if (digest.length !== 32) throw new Error("a SHA-256 digest is 32 bytes");
  return der(
    new pkijs.TimeStampReq({
      version: 1,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: TSA_OID.sha256, algorithmParams: new asn1js.Null() }),
        hashedMessage: new asn1js.OctetString({ valueHex: u8(digest) }),
      }),
      nonce: asn1js.Integer.fromBigInt(nonce),
      certReq: true,
    }),
  );
}

/** Asks a TSA (`POST application/timestamp-query`) for a token over `digest`; checks it against the TSA's certificate. */
export async function requestTimestamp(
  url: string,
  digest: Uint8Array,
  trustedCertDer: Uint8Array,
  timeoutMs = 10_000,
): Promise<{ token: Buffer; verified: VerifiedTimestamp }> {
  const nonce = BigInt(`0x${Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString("hex")}`);
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/timestamp-query" },
    body: new Uint8Array(timestampRequest(digest, nonce)),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`the time-stamp authority at ${url} answered ${res.status}`);
  const token = Buffer.from(await res.arrayBuffer());
  const verified = await verifyTimestamp(token, digest, trustedCertDer);
  return { token, verified };
}

const fail = (why: string): never => {
  throw new Error(`time-stamp does not verify: ${why}`);
};

/** Parses a TimeStampResp that must be granted, canonical DER, and hold a TSTInfo in CMS SignedData. */
function parse(responseDer: Uint8Array): { sd: pkijs.SignedData; tst: pkijs.TSTInfo } {
  try {
    const resp = pkijs.TimeStampResp.fromBER(u8(responseDer));
    // asn1js tolerates wrong length octets: insist the input is exactly what it parses to.
    if (!der(resp).equals(Buffer.from(responseDer))) return fail("the response is not canonical DER");
    if (resp.status.status !== pkijs.PKIStatus.granted) return fail(`the status is ${pkijs.PKIStatus[resp.status.status] ?? resp.status.status}, not granted`);
    if (resp.timeStampToken?.contentType !== TSA_OID.signedData) return fail("the token is not CMS SignedData");
    const sd = new pkijs.SignedData({ schema: resp.timeStampToken.content });
    if (sd.encapContentInfo.eContentType !== TSA_OID.tstInfo || !sd.encapContentInfo.eContent) return fail("the content is not a TSTInfo");
    return { sd, tst: pkijs.TSTInfo.fromBER(sd.encapContentInfo.eContent.getValue()) };
  } catch (err) {
    if ((err as Error).message.startsWith("time-stamp does not verify")) throw err;
    return fail(`malformed response (${(err as Error).message})`);
  }
}

/** The token's TSTInfo, once everything about it checks out against the one trusted TSA certificate. */
export async function verifyTimestamp(responseDer: Uint8Array, digest: Uint8Array, trustedCertDer: Uint8Array): Promise<VerifiedTimestamp> {
  const { sd, tst } = parse(responseDer);
  const mi = tst.messageImprint;
  if (mi.hashAlgorithm.algorithmId !== TSA_OID.sha256 || !Buffer.from(mi.hashedMessage.valueBlock.valueHexView).equals(Buffer.from(digest)))
    fail("its message imprint is not this checkpoint's digest");
  const signerInfo = sd.signerInfos[0] ?? fail("no signer");
  const attr = (oid: string) => signerInfo.signedAttrs?.attributes.find((a) => a.type === oid)?.values[0];
  if ((attr(TSA_OID.contentType) as asn1js.ObjectIdentifier | undefined)?.valueBlock.toString() !== TSA_OID.tstInfo)
    fail("the signed content type is not TSTInfo");
  const cert = pkijs.Certificate.fromBER(u8(trustedCertDer));
  if (tst.genTime < cert.notBefore.value || tst.genTime > cert.notAfter.value) fail("its time is outside the TSA certificate's validity");
  const embedded = sd.certificates;
  // Pinned: verified with the trusted certificate's key only. pkijs re-hashes the original data for
  // a TSTInfo; the imprint was compared above, so the content type is read as plain data here (the
  // signature covers the signed attributes and the content bytes, not this parsed field).
  sd.certificates = [cert];
  sd.encapContentInfo.eContentType = TSA_OID.data;
  let ok = false;
  try {
    ok = await sd.verify({ signer: 0 });
  } catch (err) {
    fail(/find signer certificate/.test((err as Error).message) ? "it was not signed by the trusted time-stamp authority" : (err as Error).message);
  }
  if (!ok) fail("its CMS signature is invalid");
  if (embedded && !embedded.some((c) => c instanceof pkijs.Certificate && der(c).equals(Buffer.from(trustedCertDer))))
    fail("the certificates it carries do not include the trusted one");
  const eku = cert.extensions?.find((e) => e.extnID === TSA_OID.extKeyUsage);
  if (!eku?.critical || !(eku.parsedValue instanceof pkijs.ExtKeyUsage) || eku.parsedValue.keyPurposes.join() !== TSA_OID.kpTimeStamping)
    fail("the TSA certificate is not for time-stamping only (critical extended key usage)");
  const scv2 = (attr(TSA_OID.signingCertificateV2) as asn1js.Sequence | undefined) ?? fail("no signingCertificateV2 attribute");
  const certId = (scv2.valueBlock.value?.[0] as asn1js.Sequence | undefined)?.valueBlock.value?.[0] as asn1js.Sequence | undefined;
  const certHash = certId?.valueBlock.value?.[0];
  if (!(certHash instanceof asn1js.OctetString) || !Buffer.from(certHash.valueBlock.valueHexView).equals(sha256(trustedCertDer)))
    fail("its signingCertificateV2 does not name the trusted certificate");
  return { genTime: tst.genTime, serialNumber: tst.serialNumber.toBigInt().toString(), policy: tst.policy };
}

/** A certificate's DER from PEM (or DER as it is). */
export function certificateDer(pemOrDer: string | Uint8Array): Buffer {
  if (typeof pemOrDer !== "string") return Buffer.from(pemOrDer);
  const body = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pemOrDer)?.[1];
  if (!body) throw new Error("not a PEM certificate");
  return Buffer.from(body.replace(/\s+/g, ""), "base64");
}
