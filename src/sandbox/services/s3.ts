import { S3ServiceException } from "@aws-sdk/client-s3";
import type { SimService } from "../types.js";

/** Simulated S3 (behaviour: s3.md beside this file). */
export const s3Service: SimService = {
  clientName: "S3Client",
  key: "s3",
  exception: S3ServiceException as any,
  throttlingCode: "SlowDown",
  handlers: {},
};
