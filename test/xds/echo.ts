// The one-method service of the gRPC end-to-end test, shared by its backends and its client child:
// raw bytes both ways, so neither side needs a .proto.
import type { ServiceDefinition } from '@grpc/grpc-js';

const id = (b: Buffer): Buffer => b;

export const ECHO: ServiceDefinition = {
  Call: {
    path: '/wflg.test.Echo/Call',
    requestStream: false,
    responseStream: false,
    requestSerialize: id,
    requestDeserialize: id,
    responseSerialize: id,
    responseDeserialize: id,
  },
};
