// Encoding with only the encoders generated. protobufjs's first `encode` of a type runs its
// `setup`, which compiles five functions for the type (encode, decode, verify, fromObject,
// toObject); the Envoy snapshot that `portcullis start` checks and encodes before Envoy gets its
// first config reaches over a hundred types and only ever encodes them. Here a type's first
// encode compiles its encoder alone, and gives the message types it refers to the same lazy
// stub. A later `setup` (a decode, say) replaces the stub with protobufjs's own, equal encoder.
// test/unit/envoy/lazy-proto-root.test.ts compares the bytes with a fully set-up Root's.
import protobuf from 'protobufjs';

type EncodeFn = (message: unknown, writer?: protobuf.Writer, depth?: number) => protobuf.Writer;

function installLazyEncoder(type: protobuf.Type): void {
  if (Object.hasOwn(type, 'encode')) return; // set up already (ours or protobufjs's)
  const first: EncodeFn = (message, writer, depth) => {
    const types = type.fieldsArray.map((f) => f.resolve().resolvedType);
    for (const t of types) if (t instanceof protobuf.Type) installLazyEncoder(t);
    const encode = protobuf.encoder(type)({
      Writer: protobuf.Writer,
      types,
      util: protobuf.util,
    }) as EncodeFn;
    type.encode = encode as protobuf.Type['encode'];
    return encode.call(type, message, writer, depth);
  };
  type.encode = first as protobuf.Type['encode'];
}

/** `type.encode(message).finish()`, compiling only encoders on the way. */
export function encodeMessage(type: protobuf.Type, message: object): Uint8Array {
  installLazyEncoder(type);
  return type.encode(message).finish();
}
