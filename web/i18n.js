// Texts of the switchboard page: Norwegian (default) and English.
const TEXTS = {
  nb: {
    "nav.costs": "Kostnader", "costs.department": "Avdeling", "costs.alldepts": "Alle avdelinger",
    "costs.employee": "Ansatt", "costs.allemps": "Alle ansatte", "costs.show": "Vis", "costs.mine": "Mine kostnader",
    "costs.help": "Beløp i kroner. Månedene følger norsk tid.", "costs.thismonth": "Påløpt denne måneden ({month})",
    "costs.net": "Eks. mva.", "costs.vat": "Mva. ({rate} %)", "costs.total": "Inkl. mva.",
    "costs.trend": "Kostnader per måned og type, siste 13 måneder", "costs.chart": "Stolpediagram: kostnader per måned for {scope}, fordelt på type. Tallene står i tabellen.",
    "costs.table": "Kostnader per måned for {scope} (kr eks. mva.)", "costs.month": "Måned", "costs.sum": "Sum",
    "kind.voice": "Tale", "kind.sms": "SMS", "kind.mms": "MMS", "kind.data": "Data", "kind.content": "Innholdstjenester", "kind.package": "Datapakker", "kind.fee": "Faste avgifter",
    "costs.data": "Data denne måneden: {mb} MB, {amount} kr utover pakkene", "costs.content": "Innholdstjenester denne måneden: {n} kjøp, {amount} kr",
    "costs.packages": "Datapakker kjøpt denne måneden", "costs.nopackages": "Ingen datapakker kjøpt denne måneden.", "costs.packagecount": "{n} pakker, {amount} kr betalt av bedriften.",
    "costs.paidby.company": "betalt av bedriften", "costs.paidby.employee": "betalt med eget kort",
    "costs.invoices": "Fakturaer", "costs.noinvoices": "Ingen fakturaer ennå.", "costs.number": "Nummer", "costs.period": "Periode",
    "costs.status": "Status", "costs.due": "Forfall", "costs.scope.company": "hele bedriften", "costs.scope.departments": "mine avdelinger",
    "inv.open": "Åpen", "inv.paid": "Betalt", "inv.partly_paid": "Delvis betalt", "inv.overdue": "Forfalt",
    skip: "Hopp til innholdet", title: "Skysentral sentralbord", language: "Språk", logout: "Logg ut",
    nav: "Hovedmeny", "login.title": "Logg inn", "login.user": "Demobruker", "login.submit": "Logg inn",
    "login.cognito": "Logg inn med Skysentral-konto",
    "stepup.title": "Bekreft at det er deg", "stepup.confirm": "Bekreft", "stepup.signin": "Logg inn på nytt", "stepup.cancel": "Avbryt",
    "stepup.local": "Denne handlingen endrer penger eller tilganger og krever en fersk innlogging. Bekreft, så logges du inn på nytt med MFA som samme demobruker, og handlingen prøves én gang til.",
    "stepup.cognito": "Denne handlingen endrer penger eller tilganger og krever at du nylig har logget inn med passord og engangskode (MFA). Du sendes til innloggingen; gjør handlingen på nytt når du er tilbake.",
    "nav.live": "Køer nå", "nav.directory": "Katalog", "nav.sms": "SMS-senter", "nav.stats": "Statistikk",
    "nav.profile": "Min profil", "live.updated": "Oppdatert", "live.waiting": "Ventende anrop",
    "live.onhold": "Parkerte anrop", "live.agents": "Agenter", "live.alerts": "Alarmer", "live.none": "Ingen",
    "live.caller": "Innringer", "live.pos": "Plass", "live.wait": "Ventetid", "live.level": "Nivå",
    "live.heldby": "Parkert av", "live.held": "Parkert i", "live.agent": "Agent", "live.state": "Status", "live.loggedin": "Innlogget",
    "live.login": "Logg inn", "live.logout": "Logg ut", "live.details": "Detaljer", "live.pickup": "Ta",
    "live.newcall": "Nytt anrop i {queue} fra {caller}", "live.alert": "Alarm: {caller} har ventet {wait} i {queue}",
    "live.callback": "ønsker å bli ringt opp", "live.offered": "tilbys {who}", "live.counts": "{waiting} venter, {available} av {logged} agenter ledige",
    "colour.green": "Kort ventetid", "colour.yellow": "Lang ventetid", "colour.red": "Over alarmgrensen",
    "conn.live": "Sanntid", "conn.polling": "Oppdaterer hvert 5. sekund", "conn.connecting": "Kobler til …",
    "state.available": "Tilgjengelig", "state.ringing": "Ringer", "state.on_call": "I samtale", "state.wrapup": "Etterarbeid",
    "state.busy": "Opptatt", "state.in_meeting": "I møte", "state.away": "Borte", "state.off_work": "Fri",
    "phone.in_call": "I samtale", "phone.idle": "Ledig",
    "call.title": "Anrop fra {caller}", "call.path": "Anropets vei", "call.caller": "Innringer", "call.earlier": "Tidligere anrop",
    "call.notes": "Notater", "call.addnote": "Nytt notat", "call.savenote": "Lagre notat", "call.assign": "Sett over til",
    "call.assignbtn": "Tildel", "call.transfer": "Overfør", "call.hold": "Parker", "call.pickup": "Ta parkert anrop",
    "call.status": "Status", "call.nolog": "Anropsloggen har ikke sett anropet ennå.", "call.close": "Lukk",
    "call.findperson": "Finn person", "call.done": "Bedt om: {status}", "call.totarget": "Overfør til nummer eller internnummer",
    "dir.search": "Søk etter navn, nummer eller internnummer", "dir.kind": "Type", "dir.all": "Alle", "dir.employees": "Ansatte",
    "dir.contacts": "Eksterne kontakter", "dir.go": "Søk", "dir.transfer": "Overfør valgt anrop", "dir.sms": "SMS",
    "dir.email": "E-post", "dir.next": "Neste i kalenderen", "dir.none": "Ingen treff", "dir.selected": "Valgt anrop: {caller}",
    "dir.phone": "Telefon", "email.title": "Send e-post", "email.subject": "Emne", "email.text": "Tekst",
    "email.send": "Send e-post", "email.sent": "E-posten er sendt", cancel: "Avbryt",
    "sms.to": "Mottakere (numre, kommaseparert)", "sms.tohelp": "Legg også til ansatte fra katalogen.", "sms.dept": "Avdeling (valgfri)",
    "sms.text": "Tekst", "sms.send": "Send SMS", "sms.log": "Logg", "sms.when": "Tid", "sms.recipients": "Mottakere",
    "sms.parts": "Deler", "sms.status": "Status", "sms.counter": "{chars} tegn, {parts} SMS-del(er) ({encoding})",
    "sms.sent": "Sendt til {n} mottaker(e), {parts} del(er)", "sms.remove": "Fjern {who}", "sms.details": "Vis",
    "stats.grain": "Intervall", "stats.15m": "15 minutter (i dag)", "stats.day": "Dag (siste 14 dager)",
    "stats.week": "Uke (siste 12 uker)", "stats.month": "Måned (siste 12 måneder)", "stats.show": "Vis",
    "stats.offered": "Tilbudt", "stats.answered": "Besvart", "stats.abandoned": "Avbrutt", "stats.sl": "Servicenivå",
    "stats.asa": "Gj.snittlig svartid (s)", "stats.interval": "Intervall", "stats.realtime": "Nå", "stats.now": "{waiting} venter (lengst {oldest}), {available} av {online} agenter ledige; i dag {answered} besvart, servicenivå {sl}", "stats.nodata": "Ingen tall ennå",
    "stats.table": "Tall for {queue}", "stats.chart": "Diagram for {queue}: tilbudt, besvart og avbrutt per intervall",
    "profile.availability": "Min tilgjengelighet", "profile.state": "Status", "profile.until": "Til (valgfri)",
    "profile.set": "Lagre", "profile.queues": "Mine køer", "profile.queueslegend": "Logget inn i", "profile.savequeues": "Lagre køer",
    "profile.photo": "Mitt bilde", "profile.choosephoto": "Velg bilde (JPEG, PNG eller WebP, maks 10 MB)", "profile.upload": "Last opp",
    "profile.usage": "Mobilbruk denne måneden", "profile.now": "Nå: {state} ({source})", "profile.saved": "Lagret",
    "profile.noqueues": "Du er ikke medlem av noen kø.", "error": "Feil: {message}", "loading": "Laster …",
    // F6–F9, C7 invoice control (web/invoice-control.js)
    "nav.payroll": "Fakturakontroll", "nav.myuse": "Privat eller jobb", "ic.month": "Måned",
    "ic.payrollhelp": "Beløp i kroner inkl. mva. Velg en ansatt for å se månedene.",
    "ic.summarycaption": "Lønnsgrunnlag for {month} (kr inkl. mva.)", "ic.name": "Navn", "ic.number": "Lønnsnr.",
    "ic.private": "Privat", "ic.work": "Jobb", "ic.flat": "Fast fordel", "ic.content": "Fordel innhold", "ic.deduction": "Trekk",
    "ic.benefitytd": "Fordel hittil i år", "ic.deductionytd": "Trekk hittil i år", "ic.totals": "Sum", "ic.ytd": "Hittil i år",
    "ic.nonumber": "mangler", "ic.noemployees": "Ingen ansatte med bruk eller abonnement i {month}.",
    "ic.openemployee": "Vis månedene til {name}", "ic.employeemonths": "{name}: månedene i {year}",
    "ic.policy": "Policy: {name} ({treatment}, {cover})", "ic.nopolicy": "Bedriften har ikke satt opp fakturakontroll.",
    "ic.treatment.benefit": "fordelsbeskattet", "ic.treatment.deduction": "trekk i lønn",
    "ic.covers": "bedriften dekker innholdstjenester", "ic.nocover": "bedriften dekker ikke innholdstjenester",
    "ic.export": "Lønnsfil", "ic.system": "Lønnssystem", "ic.make": "Lag lønnsfil", "ic.exports": "Lønnsfiler for måneden",
    "ic.noexports": "Ingen lønnsfiler for måneden ennå.", "ic.filename": "Filnavn", "ic.entries": "Linjer", "ic.status": "Status",
    "ic.made": "Laget", "ic.actions": "Handlinger", "ic.total.benefit_flat": "Fast fordel", "ic.total.benefit_content": "Fordel innhold",
    "ic.total.deduction": "Trekk", "ic.download": "Last ned {file}", "ic.downloadshort": "Last ned", "ic.downloadof": "Last ned {file}",
    "ic.marksent": "Marker som sendt", "ic.marksentof": "Marker {file} som sendt",
    "ic.confirmsent": "Marker {id} som sendt til lønn? Måneden stenges: ansatte kan ikke lenger rapportere, og beløpene betales ikke på nytt.",
    "ic.status.created": "Laget, ikke sendt", "ic.status.sent": "Sendt til lønn",
    "ic.system.visma": "Visma Lønn", "ic.system.huldt_lillevik": "Huldt & Lillevik", "ic.system.sap": "SAP",
    "ic.err.already_sent": "Lønnen for denne måneden er allerede sendt. Beløp som kommer senere, betales i neste måneds fil.",
    "ic.err.payroll_number_missing": "Filen kan ikke lages: disse ansatte har beløp, men mangler lønnsnummer i innstillingene.",
    "ic.err.nonumber": "{name} ({id}) mangler lønnsnummer", "ic.err.no_settings": "Bedriften har ikke satt opp fakturakontroll ennå.",
    "ic.err.invalid_month": "Velg en måned som er begynt (lønnsfiler: en måned som er slutt).",
    "ic.err.step_up_required": "Handlingen krever at du bekrefter at det er deg (ny innlogging). Prøv igjen.",
    "ic.err.reporting_closed": "Fristen for å rapportere denne måneden er ute; policyens valg står.",
    "ic.err.not_reportable": "Denne linjen kan ikke rapporteres.",
    "ic.myprivate": "Privat i {month}", "ic.mywork": "Jobb i {month}", "ic.open": "Åpen", "ic.closed": "Stengt",
    "ic.deadlineopen": "Du kan rapportere linjene til og med {deadline}.",
    "ic.deadlineclosed": "Rapporteringen er stengt (fristen var {deadline}, eller lønnen er sendt). Policyens valg og tidligere rapporter står.",
    "ic.mylines": "Mine linjer i {month}", "ic.nolines": "Ingen linjer i {month}.", "ic.time": "Tid", "ic.kind": "Type",
    "ic.where": "Til / brukersted", "ic.amount": "Beløp inkl. mva.", "ic.use": "Bruk", "ic.why": "Hvorfor",
    "ic.use.private": "Privat", "ic.use.work": "Jobb", "ic.notreportable": "kan ikke rapporteres",
    "ic.uselabel": "Privat eller jobb: {kind} {when} {where}", "ic.reported": "Lagret: {use}",
    "ic.rule.employee_report": "egen rapport", "ic.rule.outside_hours": "utenfor arbeidstid", "ic.rule.abroad": "bruk i utlandet",
    "ic.rule.extra_package": "ekstra datapakke", "ic.rule.content_above_limit": "innholdstjeneste over grensen",
    "ic.rule.default_work": "ingen regel gjør den privat", "ic.rule.subscription_fee": "fast avgift",
    "ic.rule.no_employee": "ingen ansatt", "ic.rule.no_policy": "ingen policy",
  },
  en: {
    "nav.costs": "Costs", "costs.department": "Department", "costs.alldepts": "All departments",
    "costs.employee": "Employee", "costs.allemps": "All employees", "costs.show": "Show", "costs.mine": "My costs",
    "costs.help": "Amounts in NOK. Months follow Norwegian time.", "costs.thismonth": "Accrued this month ({month})",
    "costs.net": "Excl. VAT", "costs.vat": "VAT ({rate} %)", "costs.total": "Incl. VAT",
    "costs.trend": "Costs per month and kind, last 13 months", "costs.chart": "Bar chart: costs per month for {scope}, by kind. The figures are in the table.",
    "costs.table": "Costs per month for {scope} (NOK excl. VAT)", "costs.month": "Month", "costs.sum": "Total",
    "kind.voice": "Voice", "kind.sms": "SMS", "kind.mms": "MMS", "kind.data": "Data", "kind.content": "Content services", "kind.package": "Data packages", "kind.fee": "Monthly fees",
    "costs.data": "Data this month: {mb} MB, NOK {amount} beyond the packages", "costs.content": "Content services this month: {n} purchases, NOK {amount}",
    "costs.packages": "Data packages bought this month", "costs.nopackages": "No data packages bought this month.", "costs.packagecount": "{n} packages, NOK {amount} paid by the company.",
    "costs.paidby.company": "paid by the company", "costs.paidby.employee": "paid by own card",
    "costs.invoices": "Invoices", "costs.noinvoices": "No invoices yet.", "costs.number": "Number", "costs.period": "Period",
    "costs.status": "Status", "costs.due": "Due", "costs.scope.company": "the whole company", "costs.scope.departments": "my departments",
    "inv.open": "Open", "inv.paid": "Paid", "inv.partly_paid": "Partly paid", "inv.overdue": "Overdue",
    skip: "Skip to content", title: "Skysentral switchboard", language: "Language", logout: "Log out",
    nav: "Main menu", "login.title": "Log in", "login.user": "Demo user", "login.submit": "Log in",
    "login.cognito": "Log in with your Skysentral account",
    "stepup.title": "Confirm it is you", "stepup.confirm": "Confirm", "stepup.signin": "Sign in again", "stepup.cancel": "Cancel",
    "stepup.local": "This action changes money or access and needs a fresh sign-in. Confirm to sign in again with MFA as the same demo user; the action is then tried once more.",
    "stepup.cognito": "This action changes money or access and needs a recent sign-in with your password and one-time code (MFA). You will be sent to the sign-in page; repeat the action when you are back.",
    "nav.live": "Live queues", "nav.directory": "Directory", "nav.sms": "SMS centre", "nav.stats": "Statistics",
    "nav.profile": "My profile", "live.updated": "Updated", "live.waiting": "Waiting calls",
    "live.onhold": "Calls on hold", "live.agents": "Agents", "live.alerts": "Alerts", "live.none": "None",
    "live.caller": "Caller", "live.pos": "Pos.", "live.wait": "Wait", "live.level": "Level",
    "live.heldby": "Held by", "live.held": "On hold for", "live.agent": "Agent", "live.state": "State", "live.loggedin": "Logged in",
    "live.login": "Log in", "live.logout": "Log out", "live.details": "Details", "live.pickup": "Pick up",
    "live.newcall": "New call in {queue} from {caller}", "live.alert": "Alert: {caller} has waited {wait} in {queue}",
    "live.callback": "wants a call back", "live.offered": "offered to {who}", "live.counts": "{waiting} waiting, {available} of {logged} agents available",
    "colour.green": "Short wait", "colour.yellow": "Long wait", "colour.red": "Over the alert threshold",
    "conn.live": "Live", "conn.polling": "Refreshing every 5 seconds", "conn.connecting": "Connecting …",
    "state.available": "Available", "state.ringing": "Ringing", "state.on_call": "On a call", "state.wrapup": "Wrap-up",
    "state.busy": "Busy", "state.in_meeting": "In a meeting", "state.away": "Away", "state.off_work": "Off work",
    "phone.in_call": "In a call", "phone.idle": "Idle",
    "call.title": "Call from {caller}", "call.path": "The call's path", "call.caller": "Caller", "call.earlier": "Earlier calls",
    "call.notes": "Notes", "call.addnote": "New note", "call.savenote": "Save note", "call.assign": "Assign to",
    "call.assignbtn": "Assign", "call.transfer": "Transfer", "call.hold": "Hold", "call.pickup": "Pick up held call",
    "call.status": "Status", "call.nolog": "The call log has not seen this call yet.", "call.close": "Close",
    "call.findperson": "Find a person", "call.done": "Requested: {status}", "call.totarget": "Transfer to a number or extension",
    "dir.search": "Search by name, number or extension", "dir.kind": "Kind", "dir.all": "All", "dir.employees": "Employees",
    "dir.contacts": "External contacts", "dir.go": "Search", "dir.transfer": "Transfer the selected call", "dir.sms": "SMS",
    "dir.email": "E-mail", "dir.next": "Next in the calendar", "dir.none": "No results", "dir.selected": "Selected call: {caller}",
    "dir.phone": "Phone", "email.title": "Send an e-mail", "email.subject": "Subject", "email.text": "Text",
    "email.send": "Send e-mail", "email.sent": "The e-mail was sent", cancel: "Cancel",
    "sms.to": "Recipients (numbers, comma-separated)", "sms.tohelp": "Add employees from the directory too.", "sms.dept": "Department (optional)",
    "sms.text": "Text", "sms.send": "Send SMS", "sms.log": "Log", "sms.when": "Time", "sms.recipients": "Recipients",
    "sms.parts": "Parts", "sms.status": "Status", "sms.counter": "{chars} characters, {parts} SMS part(s) ({encoding})",
    "sms.sent": "Sent to {n} recipient(s), {parts} part(s)", "sms.remove": "Remove {who}", "sms.details": "Show",
    "stats.grain": "Interval", "stats.15m": "15 minutes (today)", "stats.day": "Day (last 14 days)",
    "stats.week": "Week (last 12 weeks)", "stats.month": "Month (last 12 months)", "stats.show": "Show",
    "stats.offered": "Offered", "stats.answered": "Answered", "stats.abandoned": "Abandoned", "stats.sl": "Service level",
    "stats.asa": "Average speed of answer (s)", "stats.interval": "Interval", "stats.realtime": "Now", "stats.now": "{waiting} waiting (longest {oldest}), {available} of {online} agents available; today {answered} answered, service level {sl}", "stats.nodata": "No figures yet",
    "stats.table": "Figures for {queue}", "stats.chart": "Chart for {queue}: offered, answered and abandoned per interval",
    "profile.availability": "My availability", "profile.state": "State", "profile.until": "Until (optional)",
    "profile.set": "Save", "profile.queues": "My queues", "profile.queueslegend": "Logged in to", "profile.savequeues": "Save queues",
    "profile.photo": "My photo", "profile.choosephoto": "Choose a photo (JPEG, PNG or WebP, at most 10 MB)", "profile.upload": "Upload",
    "profile.usage": "Mobile usage this month", "profile.now": "Now: {state} ({source})", "profile.saved": "Saved",
    "profile.noqueues": "You are not a member of any queue.", "error": "Error: {message}", "loading": "Loading …",
    // F6–F9, C7 invoice control (web/invoice-control.js)
    "nav.payroll": "Invoice control", "nav.myuse": "Private or work", "ic.month": "Month",
    "ic.payrollhelp": "Amounts in NOK incl. VAT. Choose an employee to see their months.",
    "ic.summarycaption": "Payroll basis for {month} (NOK incl. VAT)", "ic.name": "Name", "ic.number": "Payroll no.",
    "ic.private": "Private", "ic.work": "Work", "ic.flat": "Flat benefit", "ic.content": "Content benefit", "ic.deduction": "Deduction",
    "ic.benefitytd": "Benefit year to date", "ic.deductionytd": "Deduction year to date", "ic.totals": "Total", "ic.ytd": "Year to date",
    "ic.nonumber": "missing", "ic.noemployees": "No employees with usage or a subscription in {month}.",
    "ic.openemployee": "Show the months of {name}", "ic.employeemonths": "{name}: the months of {year}",
    "ic.policy": "Policy: {name} ({treatment}, {cover})", "ic.nopolicy": "The company has not set up invoice control.",
    "ic.treatment.benefit": "benefit-taxed", "ic.treatment.deduction": "salary deduction",
    "ic.covers": "the company covers content services", "ic.nocover": "the company does not cover content services",
    "ic.export": "Payroll file", "ic.system": "Payroll system", "ic.make": "Make payroll file", "ic.exports": "Payroll files of the month",
    "ic.noexports": "No payroll files for the month yet.", "ic.filename": "File name", "ic.entries": "Entries", "ic.status": "Status",
    "ic.made": "Made", "ic.actions": "Actions", "ic.total.benefit_flat": "Flat benefit", "ic.total.benefit_content": "Content benefit",
    "ic.total.deduction": "Deduction", "ic.download": "Download {file}", "ic.downloadshort": "Download", "ic.downloadof": "Download {file}",
    "ic.marksent": "Mark as sent", "ic.marksentof": "Mark {file} as sent",
    "ic.confirmsent": "Mark {id} as sent to payroll? The month closes: employees can no longer report, and the amounts are not paid again.",
    "ic.status.created": "Made, not sent", "ic.status.sent": "Sent to payroll",
    "ic.system.visma": "Visma Lønn", "ic.system.huldt_lillevik": "Huldt & Lillevik", "ic.system.sap": "SAP",
    "ic.err.already_sent": "The payroll of this month was sent already. Amounts arriving later are paid in next month's file.",
    "ic.err.payroll_number_missing": "The file cannot be made: these employees have amounts but no payroll number in the settings.",
    "ic.err.nonumber": "{name} ({id}) has no payroll number", "ic.err.no_settings": "The company has not set up invoice control yet.",
    "ic.err.invalid_month": "Choose a month that has begun (payroll files: a month that has ended).",
    "ic.err.step_up_required": "This action needs you to confirm it is you (a fresh sign-in). Try again.",
    "ic.err.reporting_closed": "The deadline to report this month has passed; the policy's decision stands.",
    "ic.err.not_reportable": "This line cannot be reported.",
    "ic.myprivate": "Private in {month}", "ic.mywork": "Work in {month}", "ic.open": "Open", "ic.closed": "Closed",
    "ic.deadlineopen": "You can report the lines until {deadline}.",
    "ic.deadlineclosed": "Reporting is closed (the deadline was {deadline}, or the payroll was sent). The policy's decisions and earlier reports stand.",
    "ic.mylines": "My lines in {month}", "ic.nolines": "No lines in {month}.", "ic.time": "Time", "ic.kind": "Kind",
    "ic.where": "To / merchant", "ic.amount": "Amount incl. VAT", "ic.use": "Use", "ic.why": "Why",
    "ic.use.private": "Private", "ic.use.work": "Work", "ic.notreportable": "cannot be reported",
    "ic.uselabel": "Private or work: {kind} {when} {where}", "ic.reported": "Saved: {use}",
    "ic.rule.employee_report": "own report", "ic.rule.outside_hours": "outside working hours", "ic.rule.abroad": "used abroad",
    "ic.rule.extra_package": "extra data package", "ic.rule.content_above_limit": "content service above the limit",
    "ic.rule.default_work": "no rule makes it private", "ic.rule.subscription_fee": "monthly fee",
    "ic.rule.no_employee": "no employee", "ic.rule.no_policy": "no policy",
  },
};

let lang = localStorage.getItem("skysentral.lang") || "nb";
if (!TEXTS[lang]) lang = "nb";

export function getLang() {
  return lang;
}

export function setLang(value) {
  lang = TEXTS[value] ? value : "nb";
  localStorage.setItem("skysentral.lang", lang);
  document.documentElement.lang = lang;
  translatePage();
}

/** The text of `key` in the current language, `{name}` filled from `vars`. */
export function t(key, vars = {}) {
  const text = TEXTS[lang][key] ?? TEXTS.nb[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Elements with data-i18n get their text, data-i18n-aria their aria-label. */
export function translatePage(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  root.querySelectorAll("[data-i18n-aria]").forEach((el) => {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  });
}

/** Seconds as m:ss (or h:mm:ss). */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A UTC ISO time in Oslo time, short. */
export function localTime(iso, withDate = false) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const opts = { timeZone: "Europe/Oslo", hour: "2-digit", minute: "2-digit" };
  if (withDate) Object.assign(opts, { day: "numeric", month: "short" });
  return d.toLocaleString(lang === "en" ? "en-GB" : "nb-NO", opts);
}
