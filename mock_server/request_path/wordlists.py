"""Words of workflow products (processes, their phases and steps, automations, closing reasons) in English and German.

A Faker provider serves them to `x-faker` hints (`x-faker: process_name`) and to the data-set generator; the
vocabulary is that of the seeds' own examples: meter changes, lead qualification, onboarding, cancellations.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Process:
    """One business process: its name, purpose and phases, each a name with its steps."""

    name: str
    description: str
    phases: tuple[tuple[str, tuple[str, ...]], ...]


_EN = (
    Process("Meter change", "Replace the customer's electricity meter and record both readings.",
            (("Preparation", ("Confirm appointment with the customer", "Order replacement meter")),
             ("Installation", ("Read old meter", "Install new meter", "Read new meter")),
             ("Follow-up", ("Report meter change to the grid operator", "Send confirmation letter")))),
    Process("Lead qualification", "Find out whether a new lead fits an offer before sales spends time on it.",
            (("Initial information gathering", ("Call client", "Check product availability")),
             ("Qualification", ("Assess budget and timeline", "Score the lead")),
             ("Handover", ("Assign a sales representative", "Print and send catalog")))),
    Process("Customer onboarding", "Welcome a new customer and set up their account, contract and portal access.",
            (("Welcome", ("Send welcome e-mail", "Call client and confirm address and product")),
             ("Set-up", ("Create customer account", "Activate portal access")),
             ("First invoice", ("Check first invoice", "Collect direct debit mandate")))),
    Process("Contract cancellation", "Process a cancellation request, confirm the end date and close the account.",
            (("Review", ("Check notice period", "Offer a retention deal")),
             ("Cancellation", ("Confirm the end date in writing", "Deregister supply")),
             ("Closing", ("Send final invoice", "Archive the contract")))),
    Process("Solar installation", "Plan and install a photovoltaic system on the customer's roof.",
            (("Site survey", ("Book the site survey", "Measure the roof")),
             ("Offer", ("Prepare the offer", "Get the offer signed")),
             ("Installation", ("Install the panels", "Commission the inverter")))),
    Process("Heat pump installation", "Sell, plan and install a heat pump including the subsidy application.",
            (("Consultation", ("Assess the heating demand", "Explain the subsidy")),
             ("Planning", ("Apply for the subsidy", "Schedule the installers")),
             ("Installation", ("Install the heat pump", "Hand over documentation")))),
    Process("Move-in", "Start supply at a customer's new address from the moving date.",
            (("Registration", ("Record moving date", "Read meter at the new address")),
             ("Contract", ("Confirm tariff", "Send contract summary")))),
    Process("Complaint handling", "Answer a customer complaint within the promised time and learn from it.",
            (("Intake", ("Log the complaint", "Acknowledge receipt")),
             ("Resolution", ("Investigate the cause", "Propose a solution", "Close the complaint")))),
    Process("Wallbox installation", "Install an electric-vehicle charger and register it with the grid operator.",
            (("Check", ("Check the fuse box photos", "Register with the grid operator")),
             ("Installation", ("Install the wallbox", "Test charging")))),
    Process("Payment reminder", "Remind a customer of an overdue invoice before handing it to collection.",
            (("Reminder", ("Send first reminder", "Send second reminder")),
             ("Escalation", ("Call the customer", "Agree on an instalment plan")))),
)

_DE = (
    Process("Zählerwechsel", "Den Stromzähler des Kunden tauschen und beide Zählerstände erfassen.",
            (("Vorbereitung", ("Termin mit dem Kunden bestätigen", "Ersatzzähler bestellen")),
             ("Einbau", ("Alten Zähler ablesen", "Neuen Zähler einbauen", "Neuen Zähler ablesen")),
             ("Nachbereitung", ("Zählerwechsel an den Netzbetreiber melden", "Bestätigungsschreiben senden")))),
    Process("Lead-Qualifizierung", "Prüfen, ob ein neuer Lead zu einem Angebot passt, bevor der Vertrieb Zeit investiert.",
            (("Erste Informationen", ("Kunden anrufen", "Produktverfügbarkeit prüfen")),
             ("Qualifizierung", ("Budget und Zeitplan klären", "Lead bewerten")),
             ("Übergabe", ("Vertriebsmitarbeiter zuweisen", "Katalog drucken und versenden")))),
    Process("Kunden-Onboarding", "Neukunden begrüßen und Konto, Vertrag und Portalzugang einrichten.",
            (("Begrüßung", ("Willkommens-E-Mail senden", "Kunden anrufen und Adresse und Produkt bestätigen")),
             ("Einrichtung", ("Kundenkonto anlegen", "Portalzugang freischalten")),
             ("Erste Rechnung", ("Erste Rechnung prüfen", "SEPA-Lastschriftmandat einholen")))),
    Process("Vertragskündigung", "Eine Kündigung bearbeiten, das Vertragsende bestätigen und das Konto schließen.",
            (("Prüfung", ("Kündigungsfrist prüfen", "Rückgewinnungsangebot machen")),
             ("Kündigung", ("Vertragsende schriftlich bestätigen", "Belieferung abmelden")),
             ("Abschluss", ("Schlussrechnung senden", "Vertrag archivieren")))),
    Process("PV-Installation", "Eine Photovoltaikanlage auf dem Dach des Kunden planen und installieren.",
            (("Vor-Ort-Termin", ("Vor-Ort-Termin vereinbaren", "Dach vermessen")),
             ("Angebot", ("Angebot erstellen", "Angebot unterschreiben lassen")),
             ("Montage", ("Module montieren", "Wechselrichter in Betrieb nehmen")))),
    Process("Wärmepumpen-Installation", "Eine Wärmepumpe verkaufen, planen und installieren, inklusive Förderantrag.",
            (("Beratung", ("Heizbedarf ermitteln", "Förderung erklären")),
             ("Planung", ("Förderantrag stellen", "Monteure einplanen")),
             ("Montage", ("Wärmepumpe installieren", "Unterlagen übergeben")))),
    Process("Einzug", "Die Belieferung an der neuen Adresse ab dem Umzugsdatum starten.",
            (("Anmeldung", ("Umzugsdatum erfassen", "Zähler an der neuen Adresse ablesen")),
             ("Vertrag", ("Tarif bestätigen", "Vertragszusammenfassung senden")))),
    Process("Beschwerdemanagement", "Eine Kundenbeschwerde fristgerecht beantworten und daraus lernen.",
            (("Eingang", ("Beschwerde erfassen", "Eingang bestätigen")),
             ("Lösung", ("Ursache untersuchen", "Lösung vorschlagen", "Beschwerde abschließen")))),
    Process("Wallbox-Installation", "Eine Ladestation installieren und beim Netzbetreiber anmelden.",
            (("Prüfung", ("Fotos des Sicherungskastens prüfen", "Beim Netzbetreiber anmelden")),
             ("Montage", ("Wallbox installieren", "Ladevorgang testen")))),
    Process("Zahlungserinnerung", "Einen Kunden an eine überfällige Rechnung erinnern, bevor sie ins Inkasso geht.",
            (("Erinnerung", ("Erste Mahnung senden", "Zweite Mahnung senden")),
             ("Eskalation", ("Kunden anrufen", "Ratenzahlung vereinbaren")))),
)

ENTITY_SCHEMAS = ("contact", "account", "contract", "opportunity", "order", "product", "meter", "ticket")
ENTITY_ATTRIBUTES = ("email", "first_name", "last_name", "phone", "address", "contract_number", "meter_number", "status",
                     "tariff", "start_date", "owner")

_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "automation": ("Handle contact form", "Send welcome e-mail", "Create offer document", "Notify the grid operator",
                       "Sync contract to ERP", "Send appointment reminder", "Assign lead to sales", "Request meter reading",
                       "Start onboarding workflow", "Forward invoice to accounting"),
        "action": ("Map contact fields", "Send e-mail to customer", "Trigger workflow", "Call webhook", "Inform ERP",
                   "Create PDF document", "Share entity with partner", "Trigger event", "Forward e-mail", "Reply to e-mail"),
        "reason": ("Contract signed", "Customer not reachable", "Duplicate request", "Offer declined", "Cancelled by customer",
                   "Completed successfully", "Technically not feasible", "Moved to another supplier"),
        "branch": ("Offer accepted", "Offer declined", "Credit check passed", "Credit check failed", "Roof suitable",
                   "Customer wants a call back"),
        "tag": ("energy", "sales", "service", "installation", "billing", "onboarding", "metering", "priority"),
        "agent": ("Qualify the lead from the contact form", "Summarise the customer's e-mail thread",
                  "Draft an answer to the complaint"),
        "note": ("Check the documents the customer uploaded.", "Call before 6 pm; the customer works shifts.",
                 "Use the checklist in the installer handbook.", "Photos are in the customer file.",
                 "Confirm the result to the customer in writing.", "Ask for the meter number and the current reading.",
                 "Escalate to the team lead if this takes longer than two days."),
        "error": ("The mail server rejected the message.", "The ERP system did not answer within 30 seconds.",
                  "No entity matches the mapping.", "The meter reading is missing.", "The webhook answered 502 Bad Gateway.",
                  "The document template has no field 'contract_number'."),
        "variant": ("business customers", "private customers", "north region", "south region", "express"),
    },
    "de": {
        "automation": ("Kontaktformular verarbeiten", "Willkommens-E-Mail senden", "Angebotsdokument erstellen",
                       "Netzbetreiber benachrichtigen", "Vertrag ins ERP übertragen", "Terminerinnerung senden",
                       "Lead dem Vertrieb zuweisen", "Zählerstand anfordern", "Onboarding-Workflow starten",
                       "Rechnung an die Buchhaltung weiterleiten"),
        "action": ("Kontaktfelder übernehmen", "E-Mail an Kunden senden", "Workflow starten", "Webhook aufrufen",
                   "ERP informieren", "PDF-Dokument erstellen", "Datensatz mit Partner teilen", "Ereignis auslösen",
                   "E-Mail weiterleiten", "Auf E-Mail antworten"),
        "reason": ("Vertrag unterschrieben", "Kunde nicht erreichbar", "Doppelte Anfrage", "Angebot abgelehnt",
                   "Vom Kunden storniert", "Erfolgreich abgeschlossen", "Technisch nicht umsetzbar", "Zu anderem Anbieter gewechselt"),
        "branch": ("Angebot angenommen", "Angebot abgelehnt", "Bonitätsprüfung bestanden", "Bonitätsprüfung nicht bestanden",
                   "Dach geeignet", "Kunde wünscht Rückruf"),
        "tag": ("Energie", "Vertrieb", "Service", "Montage", "Abrechnung", "Onboarding", "Messwesen", "Priorität"),
        "agent": ("Lead aus dem Kontaktformular qualifizieren", "E-Mail-Verlauf des Kunden zusammenfassen",
                  "Antwort auf die Beschwerde entwerfen"),
        "note": ("Vom Kunden hochgeladene Unterlagen prüfen.", "Erst nach 18 Uhr anrufen; der Kunde arbeitet im Schichtdienst.",
                 "Checkliste aus dem Monteurhandbuch verwenden.", "Fotos liegen in der Kundenakte.",
                 "Ergebnis dem Kunden schriftlich bestätigen.", "Zählernummer und aktuellen Zählerstand erfragen.",
                 "An die Teamleitung eskalieren, wenn es länger als zwei Tage dauert."),
        "error": ("Der Mailserver hat die Nachricht abgelehnt.", "Das ERP-System hat nicht innerhalb von 30 Sekunden geantwortet.",
                  "Kein Datensatz passt zur Zuordnung.", "Der Zählerstand fehlt.", "Der Webhook antwortete 502 Bad Gateway.",
                  "Die Dokumentvorlage hat kein Feld 'contract_number'."),
        "variant": ("Geschäftskunden", "Privatkunden", "Region Nord", "Region Süd", "Express"),
    },
}


def language_of(locale: str) -> str:
    """The vocabulary for a Faker locale: German for `de_*`, English otherwise."""
    return "de" if locale.lower().startswith("de") else "en"


def processes(language: str) -> tuple[Process, ...]:
    """The bundled processes in a language."""
    return _DE if language == "de" else _EN


def words(language: str, kind: str) -> tuple[str, ...]:
    """Words of one kind (`automation`, `action`, `reason`, `branch`, `tag`, `agent`, `note`, `error`, `variant`) in a language."""
    return _WORDS["de" if language == "de" else "en"][kind]


class WorkflowWordsProvider:
    """Faker methods for the vocabulary above; `x-faker: process_name` and friends in a spec reach them.

    A mixin: Faker's BaseProvider (imported only when a Faker is in use) supplies `random_element`.
    """

    language = "en"
    random_element: Any

    def _process(self) -> Process:
        return self.random_element(processes(self.language))

    def process_name(self) -> str:
        """A process name, such as 'Meter change'."""
        return self._process().name

    def process_description(self) -> str:
        """What a process is for, in one sentence."""
        return self._process().description

    def phase_name(self) -> str:
        """A phase (or section) of a process, such as 'Installation'."""
        return str(self.random_element(self._process().phases)[0])

    def step_name(self) -> str:
        """A step (or task) of a process, such as 'Read old meter'."""
        return str(self.random_element(self.random_element(self._process().phases)[1]))

    def automation_name(self) -> str:
        """An automation flow's name, such as 'Send welcome e-mail'."""
        return str(self.random_element(words(self.language, "automation")))

    def action_name(self) -> str:
        """An automation action's name, such as 'Inform ERP'."""
        return str(self.random_element(words(self.language, "action")))

    def closing_reason(self) -> str:
        """Why a process was closed, such as 'Contract signed'."""
        return str(self.random_element(words(self.language, "reason")))

    def branch_name(self) -> str:
        """A decision's branch, such as 'Offer accepted'."""
        return str(self.random_element(words(self.language, "branch")))

    def task_note(self) -> str:
        """A note on how to do a task, such as 'Photos are in the customer file.'."""
        return str(self.random_element(words(self.language, "note")))

    def error_message(self) -> str:
        """Why an automated action failed, such as 'The meter reading is missing.'."""
        return str(self.random_element(words(self.language, "error")))

    def entity_schema(self) -> str:
        """The kind of record a process or automation is about, such as 'contract'."""
        return str(self.random_element(ENTITY_SCHEMAS))

    def entity_attribute(self) -> str:
        """An attribute of such a record, such as 'meter_number'."""
        return str(self.random_element(ENTITY_ATTRIBUTES))

    def process_tag(self) -> str:
        """A taxonomy tag, such as 'installation'."""
        return str(self.random_element(words(self.language, "tag")))


def process_title(language: str, index: int) -> Process:
    """The `index`th process, its name made unique with a variant ('Meter change (north region)') after the first round."""
    catalogue, variants = processes(language), words(language, "variant")
    process = catalogue[index % len(catalogue)]
    if index < len(catalogue):
        return process
    variant = variants[(index // len(catalogue) - 1) % len(variants)]
    suffix = f" ({variant})" if index < len(catalogue) * (len(variants) + 1) else f" ({variant} {index})"
    return Process(process.name + suffix, process.description, process.phases)


def with_workflow_words(fake: Any) -> Any:
    """Add the workflow vocabulary, in the Faker's own language, to a Faker instance (once)."""
    if not hasattr(fake, "process_name"):
        from faker.providers import BaseProvider

        provider = type("WorkflowWords", (WorkflowWordsProvider, BaseProvider), {"language": language_of(str(fake.locales[0]))})
        fake.add_provider(provider)
    return fake
