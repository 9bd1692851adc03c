"""Pure domain rules. Plain Python only: nothing from AWS, pynamodb, chalice or stripe."""
