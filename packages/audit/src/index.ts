export { canonicalJson } from "./canonical";
export { appendAudit, entryHash, entryCanonical, GENESIS_HASH, type AuditEntry, type AuditInput } from "./chain";
export {
  CheckpointRefused,
  checkpointMessage,
  checkSignature,
  createCheckpoint,
  listCheckpoints,
  publishCheckpoints,
  toExport,
  type CheckpointExport,
} from "./checkpoints";
export {
  decisionSetWrites,
  loadSets,
  SET_LEAVES,
  setLeafText,
  writeDecisionSets,
  type DecisionSetInsert,
  type StoredSet,
  type WrittenBatch,
} from "./decision-sets";
export {
  appendBatchEntry,
  batchTotalsWrite,
  decisionLeaf,
  LEAF_FIELDS,
  sealBatch,
  sealDecisions,
  writeDecisions,
  type DecisionInsert,
  type SealedDecision,
  type SealResult,
} from "./decisions";
export { kindDigest, kindOf, kindText, reportReason, type DecisionKind, type DecisionKindContent, type KindInput } from "./kinds";
export {
  httpSigner,
  keyIdOf,
  keyring,
  keyringFromSettings,
  newSigningSeed,
  signerFromSeed,
  signerFromSettings,
  SigningKeyError,
  verifySignature,
  type Keyring,
  type Signer,
} from "./keys";
export { EMPTY_ROOT, inclusionProof, leafHash, merkleLevels, merkleRoot, proofFromLevels, rootFromProof, type ProofStep } from "./merkle";
export { proveDecisions, type InclusionProof } from "./proofs";
export { loadBatches, verifyChain, type VerifyFailure, type VerifyOptions, type VerifyReport } from "./verify";
export { certificateDer, requestTimestamp, timestampDigest, timestampRequest, verifyTimestamp, type VerifiedTimestamp } from "./timestamp";
export {
  checkTimestamps,
  MAX_STAMP_DELAY_MS,
  stampCheckpoints,
  timestampAuthoritiesFromSettings,
  TIMESTAMP_SKEW_MS,
  type TimestampAuthority,
} from "./timestamp-store";
export { contradiction, directoryWitness, httpWitness, readWitnesses, witnessesFromSettings, WitnessUnreadable, type Witness } from "./witness";
export { lastVerified, verifySinceLastVerified, type VerifiedMark } from "./incremental";
