/** Upload storage in S3 or an S3-compatible store (MinIO, R2…). Needs the `@tus/s3-store` package installed. */
export { S3UploadStorage, type S3UploadStorageOptions } from './uploads/s3.js';
