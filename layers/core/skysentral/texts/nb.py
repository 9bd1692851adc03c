"""Every text a user receives in Norwegian (bokmål, `nb`): SMS alerts (D7), order receipts
and the SMS keyword help (C8). Placeholders are filled by skysentral.texts.text(); the
keywords DATA 1 / SURF EU / SURF VERDEN are real SMS orders (domain.orders.parse_sms_order)."""

_BUY_HINT = "Kjøp ekstra data i appen eller send DATA 1 til 2000."
_SURF_HINT = "Kjøp en surfepakke i appen eller send SURF EU (eller SURF VERDEN) til 2000."

TEXTS = {
    # D7 usage alerts
    "alert.package_80": "Du har brukt 80 % av datapakken din på {size} GB denne måneden. " + _BUY_HINT,
    "alert.package_100": "Datapakken din på {size} GB er brukt opp. Du bruker nå Rollover eller ekstra data "
    "hvis du har det. " + _BUY_HINT,
    "alert.rollover_started": "Du bruker nå Data Rollover fra forrige måned ({size} GB). Den gjelder ut måneden.",
    "alert.extra_activated": "Ekstrapakken din på {size} GB er aktivert og gjelder ut måneden.",
    "alert.topup_activated": "Dataen var brukt opp, så {size} GB ekstra data er lagt til automatisk ({price}). "
    "Gjelder ut måneden.",
    "alert.data_blocked": "All data denne måneden er brukt opp, og Datakontroll har stoppet databruken. " + _BUY_HINT,
    "alert.roaming_80": "Du har brukt data i utlandet for {spent} av grensen på {limit} denne måneden. " + _SURF_HINT,
    "alert.roaming_100_blocked": "Du har nådd grensen på {limit} for data i utlandet, og data er sperret ut måneden. "
    + _SURF_HINT
    + " Bedriften kan også oppheve sperren.",
    "alert.roaming_100_lifted": "Du har nådd grensen på {limit} for data i utlandet. "
    "Bedriften har opphevet sperren denne måneden.",
    # C8 ordering by SMS and receipts
    "sms.help": "Bestill data ved å svare DATA 1, DATA 5 eller DATA 15 (ekstra data i Norge), "
    "SURF EU (600 MB i Norden, EU/EØS, Sveits og USA) eller SURF VERDEN (300 MB i 33 land).",
    "payer.company": "betalt av bedriften",
    "payer.employee": "belastet kortet ditt",
    "receipt.surf_completed": "Kvittering: surfepakke {size} er aktivert, gyldig i 30 dager. {price}, {who}. "
    "Ordre {order_id}.",
    "receipt.extra_completed": "Kvittering: {size} ekstra data er lagt til og brukes når dataen før den er brukt opp. "
    "{price}, {who}. Ordre {order_id}.",
    "receipt.refunded": "Vi kunne ikke aktivere {size} og har refundert {price} til kortet ditt. Ordre {order_id}.",
    "receipt.failed": "Bestillingen av {size} ble ikke gjennomført: {reason}. Ingenting er belastet. Ordre {order_id}.",
    "failure.declined": "kortet ble avvist",
    "failure.expired": "betalingen ble ikke fullført i tide",
    "failure.other": "bestillingen kunne ikke fullføres",
    # B3 wait alerts to a queue's supervisors
    "switchboard.wait_alert_sms": "Sentralbord: en innringer ({caller}) har ventet {wait_s} sekunder i køen {queue} "
    "(varsel etter {threshold_s} sekunder).",
    "switchboard.wait_alert_subject": "Lang ventetid i køen {queue}",
    "switchboard.wait_alert_email": "En innringer ({caller}) har ventet {wait_s} sekunder i køen {queue}. "
    "Varselgrensen er {threshold_s} sekunder. Åpne sentralbordet for å sette over samtalen.",
}
