"""Practice search: free text with typos, acronyms and synonyms, plus structured filters."""
