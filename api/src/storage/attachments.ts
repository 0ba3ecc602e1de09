/**
 * Attachment bytes in the app bucket (S3-01), streamed through the API with the SDK: uploads never
 * buffer the whole file (lib-storage's Upload sends parts as they arrive), downloads pipe S3's body.
 */
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Readable } from "node:stream";

/** Stores and reads attachment objects. */
export interface AttachmentStore {
  put(key: string, body: Readable, contentType: string): Promise<void>;
  get(key: string): Promise<Readable>;
}

/** {@link AttachmentStore} on S3 (or an S3-compatible endpoint such as s3rver in tests). */
export class S3AttachmentStore implements AttachmentStore {
  private readonly client: S3Client;
  constructor(
    private readonly bucket: string,
    opts: { region: string; endpoint?: string },
  ) {
    this.client = new S3Client({ region: opts.region, endpoint: opts.endpoint, forcePathStyle: Boolean(opts.endpoint) });
  }

  async put(key: string, body: Readable, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      queueSize: 2,
      partSize: 5 * 1024 * 1024,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string): Promise<Readable> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return out.Body as Readable;
  }

  destroy(): void {
    this.client.destroy();
  }
}
