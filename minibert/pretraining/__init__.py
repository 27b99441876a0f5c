"""Small-corpus BERT pretraining (MLM + NSP) as google-research/bert does it, on our model.

corpus.py (documents of sentences) -> vocab_trainer.py (WordPiece) -> instances.py (pairs and
masks) -> data.py (reproducible batches) -> trainer.py (AdamW, schedule, DDP) -> checkpoint.py.
"""
