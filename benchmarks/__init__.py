"""`make bench`: throughput, latency and DynamoDB request counts of the API on the embedded emulator,
side by side with bare DynamoDB calls against the same emulator, at several data sizes."""
