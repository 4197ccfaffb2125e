"""Model backends behind relevo's model port; the offline engine lives in relevo.models.offline."""
