"""Sites (compounds) and the regions they belong to; each region is planned on its own."""
