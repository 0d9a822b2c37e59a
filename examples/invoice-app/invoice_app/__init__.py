"""invoice-app: invoices read by LlamaExtract (reader.py) and kept in Agent Data (ledger.py)."""
