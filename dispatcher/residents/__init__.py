"""The resident's side: unit links from a QR code, reports, live progress, rating, reopening."""
