"""Bulk jobs (imports, exports, tagging): the Step Functions steps and their streaming file library."""
