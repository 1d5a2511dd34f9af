"""Industry vocabularies (German and English) for the synthetic B2B world.

Each industry has terms (nouns, German compounds), product nouns, the sectors it serves, words
used in company names and trade fairs. Related industries share terms on purpose
(``related`` and repeated entries), so that a term profile cannot separate them perfectly.
All data is static; nothing here does work at import time beyond building tuples.
"""

from __future__ import annotations

from dataclasses import dataclass


def _t(text: str) -> tuple[str, ...]:
    """Split a ';'-separated literal into a tuple of stripped entries."""
    return tuple(part.strip() for part in text.split(";") if part.strip())


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The words one industry uses in one language."""

    terms: tuple[str, ...]
    products: tuple[str, ...]
    sectors: tuple[str, ...]
    name_words: tuple[str, ...]
    sentences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Industry:
    """An industry of the synthetic world with its German and English vocabulary."""

    key: str
    label_de: str
    label_en: str
    de: Vocabulary
    en: Vocabulary
    fairs: tuple[str, ...]
    related: tuple[str, ...]

    def vocabulary(self, language: str) -> Vocabulary:
        return self.de if language == "de" else self.en

    def label(self, language: str) -> str:
        return self.label_de if language == "de" else self.label_en


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        key="drives",
        label_de="Antriebstechnik und Maschinenbau",
        label_en="Drive technology and mechanical engineering",
        de=Vocabulary(
            terms=_t(
                "Antriebstechnik; Antriebe; Getriebe; Getriebemotoren; Stirnradgetriebe; "
                "Kegelradgetriebe; Planetengetriebe; Schneckengetriebe; Zahnräder; Verzahnung; "
                "Kupplungen; Antriebswellen; Wälzlager; Drehmoment; Übersetzung; Servoantriebe; "
                "Elektromotoren; Linearantriebe; Hubgetriebe; Sondergetriebe; Getriebebau; "
                "Zahnradfertigung; Bremsen; Schwerlastantriebe; Industriegetriebe; "
                "Getriebeinstandsetzung; Schmierung; Wellendichtringe; Wirkungsgrad; Baugrößen; "
                "Sondermaschinenbau; Maschinenbau; Frequenzumrichter; Zustandsüberwachung; "
                "Schwingungsanalyse; Verschleißteile"
            ),
            products=_t(
                "Planetengetriebe; Stirnradgetriebe; Getriebemotor; Kegelradgetriebe; "
                "Schneckengetriebe; Servogetriebe; Hubgetriebe; Zahnkupplung; Sicherheitskupplung; "
                "Industriegetriebe"
            ),
            sectors=_t(
                "Fördertechnik; Windenergie; Verpackungsmaschinen; Bergbau; Landtechnik; "
                "Krantechnik; Werkzeugmaschinen; Intralogistik"
            ),
            name_words=_t("Antriebstechnik; Getriebebau; Antriebe; Maschinenbau; Getriebewerk"),
            sentences=_t(
                "Unsere Getriebe arbeiten zuverlässig auch unter Volllast im Dreischichtbetrieb.; "
                "Jedes Getriebe wird vor der Auslieferung auf dem Prüfstand eingefahren.; "
                "Auf Wunsch übernehmen wir die Auslegung des kompletten Antriebsstrangs.; "
                "Mit der Zustandsüberwachung erkennen Sie Lagerschäden, bevor die Anlage steht."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "drive technology; drives; gearboxes; gear motors; helical gearboxes; bevel "
                "gearboxes; planetary gearboxes; worm gearboxes; gears; gear cutting; couplings; "
                "drive shafts; rolling bearings; torque; gear ratio; servo drives; electric "
                "motors; "
                "linear actuators; screw jacks; custom gearboxes; gearbox manufacturing; brakes; "
                "heavy-duty drives; industrial gearboxes; gearbox overhaul; lubrication; shaft "
                "seals; efficiency; frame sizes; special-purpose machinery; mechanical "
                "engineering; "
                "frequency inverters; condition monitoring; vibration analysis; wear parts"
            ),
            products=_t(
                "planetary gearbox; helical gearbox; gear motor; bevel gearbox; worm gearbox; "
                "servo gearbox; screw jack; gear coupling; torque limiter; industrial gearbox"
            ),
            sectors=_t(
                "material handling; wind energy; packaging machinery; mining; agricultural "
                "machinery; cranes; machine tools; intralogistics"
            ),
            name_words=_t("Drives; Gear Systems; Power Transmission; Engineering; Gearworks"),
            sentences=_t(
                "Our gearboxes run reliably at full load in three-shift operation.; "
                "Every gearbox is run in on the test bench before delivery.; "
                "On request we design the complete drive train.; "
                "Condition monitoring detects bearing damage before the line stops."
            ),
        ),
        fairs=_t("Hannover Messe; SMM; bauma"),
        related=("automation", "metalworking"),
    ),
    Industry(
        key="automation",
        label_de="Automatisierungstechnik",
        label_en="Industrial automation",
        de=Vocabulary(
            terms=_t(
                "Automatisierungstechnik; Steuerungstechnik; Speicherprogrammierbare Steuerungen; "
                "SPS-Programmierung; Robotik; Roboterzellen; Sensorik; Bildverarbeitung; "
                "Schaltschrankbau; Antriebstechnik; Servoantriebe; Frequenzumrichter; "
                "Prozessleittechnik; Visualisierung; HMI; Feldbus; PROFINET; OPC UA; "
                "Industrie 4.0; Retrofit; Inbetriebnahme; Sondermaschinenbau; Montageanlagen; "
                "Handhabungstechnik; Pneumatik; Sicherheitstechnik; Maschinensicherheit; "
                "Zustandsüberwachung; Condition Monitoring; Produktionsdaten; Elektrokonstruktion; "
                "Fertigungsautomatisierung; Prüfstände; Messtechnik"
            ),
            products=_t(
                "Steuerungssystem; Roboterzelle; Schaltschrank; Bedienpanel; Prüfstand; "
                "Montageanlage; Kamerasystem; Sicherheitssteuerung; IO-Link-Master; Edge-Gateway"
            ),
            sectors=_t(
                "Automobilindustrie; Maschinenbau; Kunststoffverarbeitung; Lebensmittelindustrie; "
                "Pharmaindustrie; Elektronikfertigung; Intralogistik"
            ),
            name_words=_t("Automation; Steuerungstechnik; Systemtechnik; Robotics; Elektrotechnik"),
            sentences=_t(
                "Von der Elektroplanung bis zur Inbetriebnahme erhalten Sie alles aus einer Hand.; "
                "Wir programmieren Steuerungen aller gängigen Hersteller.; "
                "Unsere Retrofit-Projekte verlängern die Lebensdauer Ihrer Bestandsanlagen.; "
                "Mit OPC UA binden wir Ihre Maschinen sicher an MES und ERP an."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "industrial automation; control engineering; programmable logic controllers; PLC "
                "programming; robotics; robot cells; sensors; machine vision; control cabinet "
                "building; drive technology; servo drives; frequency inverters; process control "
                "systems; visualisation; HMI; fieldbus; PROFINET; OPC UA; Industry 4.0; retrofit; "
                "commissioning; special-purpose machinery; assembly systems; handling systems; "
                "pneumatics; safety engineering; machine safety; condition monitoring; production "
                "data; electrical design; factory automation; test benches; measurement technology"
            ),
            products=_t(
                "control system; robot cell; control cabinet; operator panel; test bench; assembly "
                "line; vision system; safety controller; IO-Link master; edge gateway"
            ),
            sectors=_t(
                "automotive; mechanical engineering; plastics processing; food and beverage; "
                "pharmaceuticals; electronics manufacturing; intralogistics"
            ),
            name_words=_t("Automation; Controls; Systems; Robotics; Integration"),
            sentences=_t(
                "From electrical design to commissioning, everything comes from one source.; "
                "We program controllers from all major vendors.; "
                "Our retrofit projects extend the life of your existing lines.; "
                "With OPC UA we connect your machines securely to MES and ERP."
            ),
        ),
        fairs=_t("SPS Nürnberg; Hannover Messe; automatica"),
        related=("drives", "software", "energy"),
    ),
    Industry(
        key="plastics",
        label_de="Kunststofftechnik",
        label_en="Plastics processing",
        de=Vocabulary(
            terms=_t(
                "Kunststofftechnik; Kunststoffverarbeitung; Spritzguss; Spritzgießen; "
                "Spritzgussteile; Werkzeugbau; Formenbau; Extrusion; Thermoformen; Granulat; "
                "Polyamid; Polypropylen; technische Kunststoffe; Mehrkomponentenspritzguss; "
                "Kunststoffteile; Baugruppen; Montage; Heißkanal; Zykluszeit; "
                "Werkzeugkonstruktion; "
                "Prototypen; Kleinserien; Großserien; Reinraumfertigung; Oberflächenveredelung; "
                "Ultraschallschweißen; Bauteilprüfung; Rezyklat; Compoundierung; Verpackungen; "
                "Gehäuse; Dichtungen; Materialauswahl; Schließkraft"
            ),
            products=_t(
                "Spritzgussteil; Gehäuse; Kunststoffbaugruppe; Spritzgießwerkzeug; "
                "Extrusionsprofil; "
                "Verschlusskappe; Kunststoffzahnrad; Steckverbindergehäuse; Formteil; Behälter"
            ),
            sectors=_t(
                "Automobilindustrie; Medizintechnik; Elektroindustrie; Verpackungsindustrie; "
                "Haushaltsgeräte; Sanitärtechnik; Maschinenbau"
            ),
            name_words=_t("Kunststofftechnik; Kunststoffwerk; Plastics; Formenbau; Spritzguss"),
            sentences=_t(
                "Unser Maschinenpark umfasst Spritzgießmaschinen von 50 bis 800 Tonnen "
                "Schließkraft.; "
                "Werkzeugbau und Serienfertigung liegen bei uns unter einem Dach.; "
                "Wir beraten Sie bei der Materialauswahl und der kunststoffgerechten "
                "Konstruktion.; "
                "Immer mehr Kunden setzen bei uns auf Rezyklat statt Neuware."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "plastics technology; plastics processing; injection moulding; moulded parts; "
                "toolmaking; mould making; extrusion; thermoforming; granules; polyamide; "
                "polypropylene; engineering plastics; multi-component moulding; plastic parts; "
                "assemblies; assembly; hot runner; cycle time; tool design; prototypes; small "
                "batches; high-volume production; cleanroom production; surface finishing; "
                "ultrasonic welding; part inspection; recycled material; compounding; packaging; "
                "housings; seals; material selection; clamping force"
            ),
            products=_t(
                "moulded part; housing; plastic assembly; injection mould; extruded profile; "
                "closure cap; plastic gear; connector housing; moulding; container"
            ),
            sectors=_t(
                "automotive; medical technology; electrical industry; packaging; household "
                "appliances; sanitary engineering; mechanical engineering"
            ),
            name_words=_t("Plastics; Moulding; Polymers; Mouldings; Tooling"),
            sentences=_t(
                "Our machine park covers injection moulding machines from 50 to 800 tonnes.; "
                "Toolmaking and series production sit under one roof.; "
                "We advise on material selection and design for moulding.; "
                "More and more customers choose recycled material instead of virgin resin."
            ),
        ),
        fairs=_t("K Düsseldorf; Fakuma; Plastics Industry Show"),
        related=("medtech", "metalworking", "food"),
    ),
    Industry(
        key="metalworking",
        label_de="Metallbearbeitung und Lohnfertigung",
        label_en="Metalworking and contract manufacturing",
        de=Vocabulary(
            terms=_t(
                "Metallbearbeitung; CNC-Fertigung; Zerspanung; CNC-Drehen; CNC-Fräsen; Schleifen; "
                "Lohnfertigung; Blechbearbeitung; Laserschneiden; Kanten; Schweißen; "
                "Schweißkonstruktionen; Baugruppen; Präzisionsteile; Drehteile; Frästeile; "
                "Edelstahl; Aluminium; Werkzeugbau; Oberflächenbehandlung; Pulverbeschichtung; "
                "Verzahnung; Zahnräder; Wellen; Härten; Messtechnik; Erstmusterprüfung; "
                "Losgrößen; Rohmaterial; Toleranzen; Stahlbau; Montage"
            ),
            products=_t(
                "Drehteil; Frästeil; Schweißbaugruppe; Blechgehäuse; Präzisionswelle; Zahnrad; "
                "Laserschnittteil; Rahmen; Halterung; Flansch"
            ),
            sectors=_t(
                "Maschinenbau; Fahrzeugbau; Antriebstechnik; Medizintechnik; Luftfahrt; "
                "Energietechnik"
            ),
            name_words=_t(
                "Metallbau; Präzisionstechnik; CNC-Technik; Metallverarbeitung; Stahlbau"
            ),
            sentences=_t(
                "Wir fertigen vom Einzelteil bis zur Serie mit engen Toleranzen.; "
                "Unsere 5-Achs-Bearbeitungszentren laufen rund um die Uhr.; "
                "Alle Teile werden mit einem Erstmusterprüfbericht ausgeliefert.; "
                "Kurze Lieferzeiten sind bei uns die Regel, nicht die Ausnahme."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "metalworking; CNC manufacturing; machining; CNC turning; CNC milling; grinding; "
                "contract manufacturing; sheet metal fabrication; laser cutting; press braking; "
                "welding; welded assemblies; assemblies; precision parts; turned parts; milled "
                "parts; stainless steel; aluminium; toolmaking; surface treatment; powder coating; "
                "gear cutting; gears; shafts; hardening; metrology; first article inspection; "
                "batch sizes; raw material; tolerances; steel construction; assembly"
            ),
            products=_t(
                "turned part; milled part; welded assembly; sheet metal enclosure; precision "
                "shaft; "
                "gear; laser-cut part; frame; bracket; flange"
            ),
            sectors=_t(
                "mechanical engineering; vehicle manufacturing; drive technology; medical "
                "technology; aerospace; power engineering"
            ),
            name_words=_t("Precision; Engineering; Fabrication; Machining; Metalworks"),
            sentences=_t(
                "We manufacture from one-offs to series with tight tolerances.; "
                "Our 5-axis machining centres run around the clock.; "
                "Every part ships with a first article inspection report.; "
                "Short lead times are the rule with us, not the exception."
            ),
        ),
        fairs=_t("EMO Hannover; Blechexpo; AMB Stuttgart"),
        related=("drives", "plastics"),
    ),
    Industry(
        key="energy",
        label_de="Erneuerbare Energien",
        label_en="Renewable energy",
        de=Vocabulary(
            terms=_t(
                "Photovoltaik; Solaranlagen; Solarmodule; Wechselrichter; Stromspeicher; "
                "Batteriespeicher; Windenergie; Windkraftanlagen; Energieeffizienz; "
                "Eigenverbrauch; Netzanschluss; Einspeisung; Energiemanagement; Ladeinfrastruktur; "
                "Wallboxen; Wärmepumpen; Blockheizkraftwerk; Freiflächenanlagen; Dachanlagen; "
                "Direktvermarktung; Anlagenüberwachung; Monitoring; Betriebsführung; Wartung; "
                "Steuerungstechnik; Energiewende; CO2-Reduktion; Förderung; Mieterstrom; "
                "Lastmanagement; Mittelspannung"
            ),
            products=_t(
                "Photovoltaikanlage; Stromspeicher; Wechselrichter; Ladestation; Wallbox; "
                "Energiemanagementsystem; Wärmepumpe; Solarcarport; Batteriespeicher; Trafostation"
            ),
            sectors=_t("Gewerbe; Landwirtschaft; Kommunen; Industrie; Wohnungswirtschaft; Handel"),
            name_words=_t("Solar; Energietechnik; Energie; Solartechnik; Windkraft"),
            sentences=_t(
                "Wir planen, bauen und betreiben Solaranlagen für Gewerbe und Industrie.; "
                "Mit einem Stromspeicher steigern Sie Ihren Eigenverbrauch deutlich.; "
                "Unsere Servicetechniker überwachen jede Anlage rund um die Uhr.; "
                "Wir kümmern uns um Netzanschluss, Förderung und Anmeldung."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "photovoltaics; solar installations; solar modules; inverters; energy storage; "
                "battery storage; wind energy; wind turbines; energy efficiency; self-consumption; "
                "grid connection; feed-in; energy management; charging infrastructure; wall boxes; "
                "heat pumps; combined heat and power; ground-mounted systems; rooftop systems; "
                "power purchase agreements; plant monitoring; monitoring; asset management; "
                "maintenance; control engineering; energy transition; carbon reduction; subsidies; "
                "load management; medium voltage"
            ),
            products=_t(
                "solar installation; battery system; inverter; charging station; wall box; energy "
                "management system; heat pump; solar carport; storage system; substation"
            ),
            sectors=_t(
                "commercial buildings; agriculture; local authorities; industry; housing "
                "associations; retail"
            ),
            name_words=_t("Solar; Energy; Renewables; Power; Wind"),
            sentences=_t(
                "We design, build and operate solar installations for business and industry.; "
                "A battery system raises your self-consumption considerably.; "
                "Our service engineers monitor every installation around the clock.; "
                "We take care of grid connection, subsidies and registration."
            ),
        ),
        fairs=_t("Intersolar Europe; The smarter E; Solar Solutions"),
        related=("construction", "automation"),
    ),
    Industry(
        key="medtech",
        label_de="Medizintechnik",
        label_en="Medical technology",
        de=Vocabulary(
            terms=_t(
                "Medizintechnik; Medizinprodukte; MDR; Zulassung; Konformitätsbewertung; "
                "Reinraum; Sterilisation; Implantate; chirurgische Instrumente; Diagnostik; "
                "Labordiagnostik; Einwegprodukte; Kunststoffteile; Spritzguss; Biokompatibilität; "
                "Klinik; Krankenhaus; Patientensicherheit; Risikomanagement; ISO 13485; "
                "Rückverfolgbarkeit; Validierung; Orthopädie; Kardiologie; Endoskopie; "
                "Dentaltechnik; Hygiene; Auftragsfertigung; klinische Bewertung; Sensorik"
            ),
            products=_t(
                "Katheter; Implantat; Endoskop; Einmalspritze; Diagnosegerät; OP-Instrument; "
                "Infusionsset; Laborgerät; Orthese; Dentalimplantat"
            ),
            sectors=_t(
                "Kliniken; Arztpraxen; Labore; Pharmaindustrie; Rehabilitation; Zahnmedizin"
            ),
            name_words=_t("Medizintechnik; Medical; Meditec; Medizinprodukte; Life Science"),
            sentences=_t(
                "Alle Produkte werden unter Reinraumbedingungen nach ISO 13485 gefertigt.; "
                "Wir begleiten Sie von der Entwicklung bis zur Zulassung nach MDR.; "
                "Patientensicherheit steht bei jedem Schritt im Mittelpunkt.; "
                "Jede Charge ist lückenlos rückverfolgbar."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "medical technology; medical devices; MDR; regulatory approval; conformity "
                "assessment; cleanroom; sterilisation; implants; surgical instruments; "
                "diagnostics; laboratory diagnostics; disposables; plastic parts; injection "
                "moulding; biocompatibility; clinics; hospitals; patient safety; risk management; "
                "ISO 13485; traceability; validation; orthopaedics; cardiology; endoscopy; dental "
                "technology; hygiene; contract manufacturing; clinical evaluation; sensors"
            ),
            products=_t(
                "catheter; implant; endoscope; disposable syringe; diagnostic device; surgical "
                "instrument; infusion set; laboratory device; orthosis; dental implant"
            ),
            sectors=_t(
                "hospitals; medical practices; laboratories; pharmaceuticals; rehabilitation; "
                "dentistry"
            ),
            name_words=_t("Medical; Meditech; Life Sciences; Healthcare; Surgical"),
            sentences=_t(
                "All products are made under cleanroom conditions to ISO 13485.; "
                "We support you from development to approval under the MDR.; "
                "Patient safety is at the centre of every step.; "
                "Every batch is fully traceable."
            ),
        ),
        fairs=_t("MEDICA; Compamed; Arab Health"),
        related=("plastics",),
    ),
    Industry(
        key="software",
        label_de="Software und IT-Dienstleistungen",
        label_en="Software and IT services",
        de=Vocabulary(
            terms=_t(
                "Softwareentwicklung; Individualsoftware; ERP-Systeme; ERP-Einführung; "
                "Cloud-Lösungen; Rechenzentrum; IT-Sicherheit; Netzwerktechnik; Managed Services; "
                "Digitalisierung; Schnittstellen; Datenbanken; Webanwendungen; Apps; "
                "Künstliche Intelligenz; Datenanalyse; Business Intelligence; CRM; DMS; "
                "IT-Beratung; Systemhaus; Support; Hosting; Backup; Microsoft 365; SAP; "
                "Industrie 4.0; MES; Prozessoptimierung; Lizenzen; Schulungen; agile Entwicklung"
            ),
            products=_t(
                "ERP-Software; CRM-Lösung; Cloud-Plattform; Webportal; Mobile App; Dashboard; "
                "Firewall-Paket; Backup-Lösung; MES-Modul; Schnittstellenmodul"
            ),
            sectors=_t(
                "Mittelstand; Handel; Fertigungsindustrie; Dienstleister; öffentliche Verwaltung; "
                "Gesundheitswesen"
            ),
            name_words=_t("IT-Solutions; Software; Systemhaus; Informatik; Digital"),
            sentences=_t(
                "Wir entwickeln Software, die Ihre Prozesse wirklich abbildet.; "
                "Unser Support-Team ist werktags von 8 bis 18 Uhr für Sie erreichbar.; "
                "Ihre Daten liegen sicher in deutschen Rechenzentren.; "
                "Von der Analyse bis zum Go-live begleiten wir jedes Projekt."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "software development; custom software; ERP systems; ERP implementation; cloud "
                "solutions; data centre; IT security; networking; managed services; digital "
                "transformation; interfaces; databases; web applications; apps; artificial "
                "intelligence; data analytics; business intelligence; CRM; document management; "
                "IT consulting; systems integrator; support; hosting; backup; Microsoft 365; SAP; "
                "Industry 4.0; MES; process optimisation; licences; training; agile development"
            ),
            products=_t(
                "ERP software; CRM solution; cloud platform; web portal; mobile app; dashboard; "
                "firewall package; backup solution; MES module; integration module"
            ),
            sectors=_t("SMEs; retail; manufacturing; service providers; public sector; healthcare"),
            name_words=_t("Software; IT Solutions; Digital; Systems; Technologies"),
            sentences=_t(
                "We build software that truly reflects your processes.; "
                "Our support team is available on weekdays from 8 am to 6 pm.; "
                "Your data is stored securely in certified data centres.; "
                "From analysis to go-live we accompany every project."
            ),
        ),
        fairs=_t("it-sa; CEBIT Nachfolger DMEA; Web Summit"),
        related=("automation", "consulting"),
    ),
    Industry(
        key="logistics",
        label_de="Logistik und Spedition",
        label_en="Logistics and freight forwarding",
        de=Vocabulary(
            terms=_t(
                "Logistik; Spedition; Kontraktlogistik; Lagerlogistik; Intralogistik; "
                "Transporte; Stückgut; Teilladungen; Komplettladungen; Sammelgut; Luftfracht; "
                "Seefracht; Zollabwicklung; Lagerhaltung; Kommissionierung; Fulfillment; "
                "Gefahrgut; Kühllogistik; Fuhrpark; Sendungsverfolgung; Lieferkette; "
                "Distribution; Umschlag; Cross-Docking; Palettenlager; Hochregallager; "
                "Tourenplanung; Fördertechnik; Verpackung; Retourenmanagement"
            ),
            products=_t(
                "Stückgutverkehr; Lagerfläche; Fulfillment-Paket; Seefrachtcontainer; "
                "Luftfrachtsendung; Kühltransport; Zollservice; Expresszustellung; "
                "Regalsystem; Direktfahrt"
            ),
            sectors=_t(
                "Handel; Automobilindustrie; E-Commerce; Lebensmittelindustrie; Chemie; "
                "Maschinenbau"
            ),
            name_words=_t("Logistik; Spedition; Transporte; Cargo; Logistics"),
            sentences=_t(
                "Unser Fuhrpark umfasst über 120 moderne Fahrzeuge.; "
                "Sie verfolgen jede Sendung in Echtzeit.; "
                "Wir bieten 40.000 Palettenstellplätze an drei Standorten.; "
                "Auch Gefahrgut und temperaturgeführte Ware sind bei uns in guten Händen."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "logistics; freight forwarding; contract logistics; warehouse logistics; "
                "intralogistics; transport; groupage; part loads; full truck loads; consolidated "
                "freight; air freight; ocean freight; customs clearance; warehousing; order "
                "picking; fulfilment; dangerous goods; cold chain; fleet; shipment tracking; "
                "supply chain; distribution; transhipment; cross-docking; pallet storage; "
                "high-bay warehouse; route planning; conveyor systems; packaging; returns "
                "management"
            ),
            products=_t(
                "groupage service; warehouse space; fulfilment package; ocean container; air "
                "freight shipment; refrigerated transport; customs service; express delivery; "
                "racking system; direct transport"
            ),
            sectors=_t(
                "retail; automotive; e-commerce; food industry; chemicals; mechanical engineering"
            ),
            name_words=_t("Logistics; Freight; Transport; Cargo; Haulage"),
            sentences=_t(
                "Our fleet counts more than 120 modern vehicles.; "
                "You can track every shipment in real time.; "
                "We offer 40,000 pallet spaces at three sites.; "
                "Dangerous goods and temperature-controlled freight are in good hands with us."
            ),
        ),
        fairs=_t("LogiMAT; transport logistic; Multimodal"),
        related=("food", "software"),
    ),
    Industry(
        key="food",
        label_de="Lebensmittelherstellung",
        label_en="Food production",
        de=Vocabulary(
            terms=_t(
                "Lebensmittel; Lebensmittelproduktion; Backwaren; Feinkost; Molkereiprodukte; "
                "Fleischwaren; Getränke; Rezepturen; Zutaten; regionale Rohstoffe; Bio-Qualität; "
                "IFS-Zertifizierung; HACCP; Lebensmittelsicherheit; Abfüllung; Verpackung; "
                "Haltbarkeit; Kühlkette; Handelsmarken; Private Label; Großverbraucher; "
                "Gastronomie; Lebensmitteleinzelhandel; Produktentwicklung; Allergenmanagement; "
                "Nachhaltigkeit; Manufaktur; Tradition; Convenience; Tiefkühlprodukte"
            ),
            products=_t(
                "Brotsortiment; Feinkostsalat; Joghurt; Wurstspezialität; Fruchtsaft; "
                "Tiefkühlpizza; "
                "Gewürzmischung; Müsli; Käsesortiment; Fertiggericht"
            ),
            sectors=_t(
                "Lebensmitteleinzelhandel; Gastronomie; Gemeinschaftsverpflegung; Großhandel; "
                "Export; Bäckereien"
            ),
            name_words=_t("Feinkost; Lebensmittel; Backwaren; Naturkost; Manufaktur"),
            sentences=_t(
                "Unsere Rezepturen entstehen in der eigenen Versuchsküche.; "
                "Wir verarbeiten überwiegend Rohstoffe aus der Region.; "
                "Unsere Produktion ist nach IFS Food auf höherem Niveau zertifiziert.; "
                "Für den Handel entwickeln wir auch Handelsmarken."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "food; food production; bakery products; delicatessen; dairy products; meat "
                "products; beverages; recipes; ingredients; regional raw materials; organic "
                "quality; BRCGS certification; HACCP; food safety; filling; packaging; shelf life; "
                "cold chain; retailer brands; private label; food service; catering; grocery "
                "retail; product development; allergen management; sustainability; artisan; "
                "tradition; convenience food; frozen food"
            ),
            products=_t(
                "bread range; deli salad; yoghurt; sausage speciality; fruit juice; frozen pizza; "
                "spice blend; muesli; cheese selection; ready meal"
            ),
            sectors=_t(
                "grocery retail; food service; contract catering; wholesale; export; bakeries"
            ),
            name_words=_t("Foods; Bakery; Kitchen; Provisions; Dairy"),
            sentences=_t(
                "Our recipes are created in our own development kitchen.; "
                "We mainly use raw materials from the region.; "
                "Our production is certified to BRCGS grade AA.; "
                "We also develop private label products for retailers."
            ),
        ),
        fairs=_t("Anuga; Internorga; BIOFACH"),
        related=("logistics", "plastics"),
    ),
    Industry(
        key="construction",
        label_de="Bau und Gebäudetechnik",
        label_en="Construction and building services",
        de=Vocabulary(
            terms=_t(
                "Bauunternehmen; Hochbau; Tiefbau; Schlüsselfertigbau; Gewerbebau; Industriebau; "
                "Sanierung; Haustechnik; Gebäudetechnik; Heizung; Lüftung; Klimatechnik; "
                "Sanitär; Elektroinstallation; Wärmepumpen; Photovoltaik; Trockenbau; "
                "Fassaden; Dachdeckerarbeiten; Bauleitung; Projektsteuerung; Generalunternehmer; "
                "Rohbau; Ausbau; Energieberatung; Gebäudeautomation; Brandschutz; Bauplanung; "
                "Baugenehmigung; Modernisierung"
            ),
            products=_t(
                "Gewerbehalle; Bürogebäude; Lüftungsanlage; Heizungsanlage; Sanitärinstallation; "
                "Fassadensystem; Wärmepumpe; Brandmeldeanlage; Dachsanierung; Elektroverteilung"
            ),
            sectors=_t(
                "Gewerbe; Industrie; Wohnungsbau; öffentliche Auftraggeber; Handel; Hotellerie"
            ),
            name_words=_t("Bau; Haustechnik; Gebäudetechnik; Bauunternehmung; Baugesellschaft"),
            sentences=_t(
                "Als Generalunternehmer übernehmen wir Planung, Bau und Übergabe.; "
                "Termin- und Kostensicherheit sind für uns selbstverständlich.; "
                "Unsere Meisterbetriebe decken alle Gewerke der Haustechnik ab.; "
                "Bei der Sanierung denken wir Energieeffizienz von Anfang an mit."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "construction company; building construction; civil engineering; design and "
                "build; commercial construction; industrial buildings; refurbishment; building "
                "services; mechanical and electrical; heating; ventilation; air conditioning; "
                "plumbing; electrical installation; heat pumps; photovoltaics; drywall; facades; "
                "roofing; site management; project management; main contractor; shell "
                "construction; fit-out; energy consulting; building automation; fire protection; "
                "building design; planning permission; modernisation"
            ),
            products=_t(
                "industrial hall; office building; ventilation system; heating system; plumbing "
                "installation; facade system; heat pump; fire alarm system; roof refurbishment; "
                "switchboard"
            ),
            sectors=_t(
                "commercial clients; industry; residential; public sector; retail; hospitality"
            ),
            name_words=_t("Construction; Building Services; Builders; Contractors; Build"),
            sentences=_t(
                "As main contractor we handle design, construction and handover.; "
                "Keeping to schedule and budget is a matter of course for us.; "
                "Our qualified trades cover every part of building services.; "
                "When we refurbish, energy efficiency is part of the plan from day one."
            ),
        ),
        fairs=_t("BAU München; ISH Frankfurt; UK Construction Week"),
        related=("energy",),
    ),
    Industry(
        key="consulting",
        label_de="Unternehmensberatung",
        label_en="Management consulting",
        de=Vocabulary(
            terms=_t(
                "Unternehmensberatung; Strategieberatung; Managementberatung; Prozessoptimierung; "
                "Lean Management; Change Management; Organisationsentwicklung; Interim Management; "
                "Restrukturierung; Digitalisierung; Industrie 4.0; Nachfolgeregelung; "
                "Fördermittelberatung; Controlling; Personalentwicklung; Coaching; Workshops; "
                "Seminare; Führungskräfte; Mittelstand; Wachstumsstrategie; Marktanalyse; "
                "Vertriebsberatung; Qualitätsmanagement; ISO 9001; Nachhaltigkeitsberatung; "
                "Transformation; Benchmarking; Kostensenkung; Projektmanagement"
            ),
            products=_t(
                "Strategieworkshop; Potenzialanalyse; Führungskräftetraining; Lean-Audit; "
                "Förderantrag; Interim-Mandat; Marktstudie; Coaching-Programm; Prozessaudit; "
                "Nachhaltigkeitsbericht"
            ),
            sectors=_t(
                "Mittelstand; Familienunternehmen; Industrie; Handel; Dienstleister; Start-ups"
            ),
            name_words=_t("Consulting; Beratung; Partner; Management; Advisory"),
            sentences=_t(
                "Wir beraten nicht nur, wir setzen gemeinsam mit Ihnen um.; "
                "Unsere Berater kommen selbst aus Linienfunktionen der Industrie.; "
                "Jedes Projekt beginnt mit einer ehrlichen Bestandsaufnahme.; "
                "Über 300 mittelständische Unternehmen vertrauen auf unsere Erfahrung."
            ),
        ),
        en=Vocabulary(
            terms=_t(
                "management consulting; strategy consulting; business consulting; process "
                "optimisation; lean management; change management; organisational development; "
                "interim management; restructuring; digital transformation; Industry 4.0; "
                "succession planning; grant advisory; controlling; people development; coaching; "
                "workshops; seminars; executives; mid-sized companies; growth strategy; market "
                "analysis; sales consulting; quality management; ISO 9001; sustainability "
                "consulting; transformation; benchmarking; cost reduction; project management"
            ),
            products=_t(
                "strategy workshop; potential analysis; leadership training; lean audit; grant "
                "application; interim mandate; market study; coaching programme; process audit; "
                "sustainability report"
            ),
            sectors=_t(
                "mid-sized companies; family businesses; industry; retail; service providers; "
                "start-ups"
            ),
            name_words=_t("Consulting; Advisory; Partners; Management; Associates"),
            sentences=_t(
                "We do not just advise, we implement together with you.; "
                "Our consultants come from line functions in industry themselves.; "
                "Every project starts with an honest assessment.; "
                "More than 300 mid-sized companies rely on our experience."
            ),
        ),
        fairs=_t("Zukunft Personal; Mittelstandstag; Business Show"),
        related=("software",),
    ),
)

INDUSTRY_BY_KEY: dict[str, Industry] = {industry.key: industry for industry in INDUSTRIES}

# The seller of the synthetic world sells condition-monitoring and production analytics: its
# customers come mostly from these industries (several segments), a few from elsewhere.
CUSTOMER_INDUSTRIES: tuple[str, ...] = ("drives", "automation", "plastics")

# Words every company site uses, whatever its industry (noise for term profiles).
GENERIC_TERMS: dict[str, tuple[str, ...]] = {
    "de": _t(
        "Qualität; Zuverlässigkeit; Termintreue; Kundenzufriedenheit; Innovation; "
        "Nachhaltigkeit; Digitalisierung; Beratung; Service; individuelle Lösungen; Erfahrung; "
        "Flexibilität; Kompetenz; Leidenschaft; Partnerschaft; Verantwortung; Know-how; "
        "Effizienz; Wirtschaftlichkeit; ISO 9001"
    ),
    "en": _t(
        "quality; reliability; on-time delivery; customer satisfaction; innovation; "
        "sustainability; digitalisation; advice; service; tailored solutions; experience; "
        "flexibility; expertise; passion; partnership; responsibility; know-how; efficiency; "
        "value for money; ISO 9001"
    ),
}
