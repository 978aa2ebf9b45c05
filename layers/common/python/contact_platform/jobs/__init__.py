"""Bulk jobs (imports, exports, tagging): the work of each Step Functions step (plan, process_chunk, finalize)."""
