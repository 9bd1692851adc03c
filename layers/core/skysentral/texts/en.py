"""Every text a user receives in English (`en`): SMS alerts (D7), order receipts and the
SMS keyword help (C8). Same keys as nb.py (a test checks it)."""

_BUY_HINT = "Buy extra data in the app or send DATA 1 to 2000."
_SURF_HINT = "Buy a surf package in the app or send SURF EU (or SURF WORLD) to 2000."

TEXTS = {
    # D7 usage alerts
    "alert.package_80": "You have used 80% of your {size} GB data package this month. " + _BUY_HINT,
    "alert.package_100": "Your {size} GB data package is used up. Rollover or extra data is used next "
    "if you have any. " + _BUY_HINT,
    "alert.rollover_started": "You are now using Data Rollover from last month ({size} GB). "
    "It lasts until the end of the month.",
    "alert.extra_activated": "Your {size} GB extra data package is now active until the end of the month.",
    "alert.topup_activated": "Your data was used up, so {size} GB extra data was added automatically ({price}). "
    "Valid until the end of the month.",
    "alert.data_blocked": "All your data for this month is used up and Datakontroll has stopped data use. " + _BUY_HINT,
    "alert.roaming_80": "You have used {spent} of your {limit} data roaming limit this month. " + _SURF_HINT,
    "alert.roaming_100_blocked": "You have reached the {limit} data roaming limit and data abroad is blocked until "
    "the end of the month. " + _SURF_HINT + " Your company can also lift the block.",
    "alert.roaming_100_lifted": "You have reached the {limit} data roaming limit. "
    "Your company has lifted the block this month.",
    # C8 ordering by SMS and receipts
    "sms.help": "Order data by replying DATA 1, DATA 5 or DATA 15 (extra data in Norway), "
    "SURF EU (600 MB in the Nordics, EU/EEA, Switzerland and the US) or SURF WORLD (300 MB in 33 countries).",
    "payer.company": "paid by your company",
    "payer.employee": "charged to your card",
    "receipt.surf_completed": "Receipt: surf package {size} is active for 30 days. {price}, {who}. Order {order_id}.",
    "receipt.extra_completed": "Receipt: {size} extra data is added and is used once the data before it is used up. "
    "{price}, {who}. Order {order_id}.",
    "receipt.refunded": "We could not activate {size} and have refunded {price} to your card. Order {order_id}.",
    "receipt.failed": "Your order of {size} did not go through: {reason}. You have not been charged. Order {order_id}.",
    "failure.declined": "your card was declined",
    "failure.expired": "the payment was not completed in time",
    "failure.other": "the order could not be completed",
    # B3 wait alerts to a queue's supervisors
    "switchboard.wait_alert_sms": "Switchboard: a caller ({caller}) has waited {wait_s} seconds in the queue {queue} "
    "(alert after {threshold_s} seconds).",
    "switchboard.wait_alert_subject": "Long wait in the queue {queue}",
    "switchboard.wait_alert_email": "A caller ({caller}) has waited {wait_s} seconds in the queue {queue}. "
    "The alert threshold is {threshold_s} seconds. Open the switchboard to put the call through.",
}
