"""One model's refs and objects read once; manifest build/parse; model cards; files and their hashes."""
