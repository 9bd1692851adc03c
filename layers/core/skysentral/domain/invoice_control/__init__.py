"""F6–F9 invoice control: which lines are private (policies.py), what that means for tax
and salary (tax.py), and the payroll entries of a month (payroll.py). docs/invoice-control.md."""
