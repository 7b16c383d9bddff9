"""Training content as data: loading, checking and publishing the folders under modules/."""
