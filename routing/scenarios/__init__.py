"""Running traffic scenarios (`run`) and comparing their results (`metrics`, pure)."""
