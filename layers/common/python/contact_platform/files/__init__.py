"""File formats and S3 object I/O shared by services and job steps:
CSV reading and writing, streamed S3 reads and multipart writes."""
