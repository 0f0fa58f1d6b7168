"""Problem type from the buyer's words: a small text model over jieba words and character n-grams,
combined with the order's facts, suggests the likeliest subtypes. The buyer always chooses."""
