"""Revenue apportionment among operators and the clearing report per period."""
