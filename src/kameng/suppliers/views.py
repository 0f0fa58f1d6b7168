"""(filled in by the money-and-orders issue)"""
