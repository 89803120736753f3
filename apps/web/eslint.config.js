import base from "@proviso/eslint-config";

export default [...base, { ignores: ["next-env.d.ts", ".next/**"] }];
