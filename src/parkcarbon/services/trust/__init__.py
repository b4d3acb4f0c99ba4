"""Trust services (可信数据, issue 19): the transparency log in the platform database and its hooks."""
