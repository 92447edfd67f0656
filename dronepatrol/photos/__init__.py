"""Photo files: EXIF read/write (piexif) with GPS tags inserted without re-encoding, and the
geotagging batch that copies photos with their positions (originals never modified)."""
