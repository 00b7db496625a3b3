import { Type } from '@sinclair/typebox';

/** `tracing`: OpenTelemetry spans of requests, frames and the message path (see the relay's `observability/tracing.ts`). */
export const TracingConfigSchema = Type.Object(
  {
    /** Export spans over OTLP/HTTP. @default false */
    enabled: Type.Boolean({ default: false }),
    /** The `service.name` of every span. @default 'chat4all-relay' */
    serviceName: Type.String({ default: 'chat4all-relay', minLength: 1 }),
    /**
     * Share of new traces kept (0 to 1). An HTTP request that brings a `traceparent` follows its
     * caller's sampling decision instead. @default 1
     */
    sampleRatio: Type.Number({ default: 1, minimum: 0, maximum: 1 }),
    otlp: Type.Object(
      {
        /**
         * The collector's traces endpoint, such as `http://otel-collector:4318/v1/traces`. Unset,
         * the exporter reads the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
         * `OTEL_EXPORTER_OTLP_ENDPOINT`, and else sends to `http://localhost:4318/v1/traces`.
         */
        url: Type.Optional(Type.String({ pattern: '^https?://' })),
        /** Headers sent with each export (a collector's API key). */
        headers: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
