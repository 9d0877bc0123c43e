//! Free text typed at the menu («запиши дочь к педиатру», «педиатр», «лор», «Иванова»): who it is for and
//! what it names, matched against the specialties and doctors of a clinic.
//!
//! Matching is by word stems: case and «ё» ignored, Russian case endings trimmed («педиатру» → «педиатр»,
//! «Ивановой» → «иванов»), common lay names mapped to the registry's («лор» → «оториноларинголог»,
//! «окулист» → «офтальмолог»). A query word matches a name's word when its stem starts that word.

/// Whom the text says the visit is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PersonHint {
    /// «себе», «мне», «меня».
    Me,
    /// «сына», «сыну».
    Son,
    /// «дочь», «дочку», «дочери».
    Daughter,
    /// «ребёнка»: a child, not saying which.
    Child,
}

/// What free text at the menu asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    person: Option<PersonHint>,
    /// The stems of the words that may name a specialty, a doctor or a child.
    stems: Vec<String>,
}

/// Words that carry no name: verbs of booking, prepositions, politeness, «врач».
const FILLER: &[&str] = &[
    "запиши",
    "запишите",
    "записать",
    "записаться",
    "запись",
    "записи",
    "хочу",
    "нужно",
    "надо",
    "нужен",
    "нужна",
    "можно",
    "пожалуйста",
    "плиз",
    "к",
    "ко",
    "на",
    "в",
    "во",
    "прием",
    "приема",
    "приемы",
    "врач",
    "врача",
    "врачу",
    "доктор",
    "доктора",
    "доктору",
    "для",
    "с",
    "и",
    "а",
    "по",
    "мой",
    "моя",
    "мою",
    "моего",
    "моей",
    "моему",
    "нашу",
    "нашего",
    "нашей",
    "нам",
    "нас",
    "талон",
    "талоны",
    "сегодня",
    "завтра",
    "ближайший",
    "ближайшее",
    "бы",
    "хотел",
    "хотела",
    "book",
    "me",
    "an",
    "a",
    "appointment",
    "with",
    "the",
    "to",
    "for",
    "doctor",
    "please",
];

/// Lay names of specialties and the registry's word stems they stand for.
const SYNONYMS: &[(&str, &str)] = &[
    ("лор", "оториноларинголог"),
    ("ухогорлонос", "оториноларинголог"),
    ("отоларинголог", "оториноларинголог"),
    ("окулист", "офтальмолог"),
    ("глазн", "офтальмолог"),
    ("зубн", "стоматолог"),
    ("дантист", "стоматолог"),
    ("невропатолог", "невролог"),
    ("гинеколог", "гинеколог"),
    ("детск", "детск"),
    ("педиатор", "педиатр"),
    ("участков", "участков"),
    ("узи", "узи"),
    ("психолог", "психолог"),
    ("травматолог", "травматолог"),
    ("ортопед", "ортопед"),
    ("кожн", "дерматовенеролог"),
    ("дерматолог", "дерматовенеролог"),
    ("pediatrician", "педиатр"),
    ("therapist", "терапевт"),
    ("surgeon", "хирург"),
    ("dentist", "стоматолог"),
    ("ophthalmologist", "офтальмолог"),
    ("neurologist", "невролог"),
    ("cardiologist", "кардиолог"),
    ("ent", "оториноларинголог"),
];

/// Case endings trimmed from a word, longest first; a stem keeps at least [`MIN_STEM`] letters.
const ENDINGS: &[&str] = &[
    "ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ой", "ей", "ий", "ый", "ая", "яя",
    "ое", "ее", "ую", "юю", "ам", "ям", "ах", "ях", "ом", "ем", "ов", "ев", "у", "ю", "а", "я",
    "е", "и", "ы", "о", "ь", "й",
];
const MIN_STEM: usize = 3;

impl Query {
    pub fn parse(text: &str) -> Query {
        let mut person = None;
        let mut stems = Vec::new();
        for word in words(text) {
            if FILLER.contains(&word.as_str()) {
                continue;
            }
            if let Some(hint) = person_word(&word) {
                person.get_or_insert(hint);
                continue;
            }
            let stem = stem(&word);
            let stem = SYNONYMS
                .iter()
                .find(|(lay, _)| stem.starts_with(lay) && (lay.chars().count() > 3 || stem == *lay))
                .map_or(stem.clone(), |(_, registry)| (*registry).to_owned());
            if !stems.contains(&stem) {
                stems.push(stem);
            }
        }
        Query { person, stems }
    }

    pub fn person(&self) -> Option<&PersonHint> {
        self.person.as_ref()
    }

    /// Whether the text names anything to look for (not only a person or filler).
    pub fn is_empty(&self) -> bool {
        self.stems.is_empty()
    }

    /// How well a specialty's name answers the text; 0 when no query stem starts one of its words. More
    /// stems matched score higher, and among as many the name with fewer other words: «терапевт» answers
    /// «Терапевт» better than «Стоматолог-терапевт», «детский хирург» «Детский хирург» better than
    /// «Хирург».
    pub fn specialty_score(&self, name: &str) -> usize {
        let name_words = words(name);
        let matched = self
            .stems
            .iter()
            .filter(|stem| name_words.iter().any(|w| w.starts_with(stem.as_str())))
            .count();
        if matched == 0 {
            return 0;
        }
        let others = name_words
            .iter()
            .filter(|w| !self.stems.iter().any(|stem| w.starts_with(stem.as_str())))
            .count();
        matched * 10 + 9 - others.min(9)
    }

    /// Whether a doctor's name («Иванова Мария Петровна», «Антонова Е.В. 3 ТО 32 участок») has a surname
    /// the text names: a stem of at least 4 letters that starts the name's first word.
    pub fn names_doctor(&self, doctor: &str) -> bool {
        let Some(surname) = words(doctor).into_iter().next() else {
            return false;
        };
        self.stems
            .iter()
            .any(|stem| stem.chars().count() >= 4 && surname.starts_with(stem.as_str()))
    }

    /// Whether the text names the child whose first name is `first_name` («Марию» names Мария).
    pub fn names_child(&self, first_name: &str) -> bool {
        let first = stem(&normalize(first_name));
        self.stems
            .iter()
            .filter(|stem| stem.chars().count() >= MIN_STEM && first.chars().count() >= MIN_STEM)
            .any(|stem| first.starts_with(stem.as_str()) || stem.starts_with(first.as_str()))
    }
}

fn normalize(text: &str) -> String {
    text.to_lowercase().replace('ё', "е")
}

/// Lower-case words of letters (hyphenated parts apart: «Акушер-гинеколог» has two).
fn words(text: &str) -> Vec<String> {
    normalize(text)
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The word without its case ending, keeping at least [`MIN_STEM`] letters.
fn stem(word: &str) -> String {
    let letters = word.chars().count();
    for ending in ENDINGS {
        let ending_letters = ending.chars().count();
        if word.ends_with(ending) && letters >= MIN_STEM + ending_letters {
            return word[..word.len() - ending.len()].to_owned();
        }
    }
    word.to_owned()
}

fn person_word(word: &str) -> Option<PersonHint> {
    Some(match word {
        "себе" | "себя" | "мне" | "меня" | "я" | "myself" => PersonHint::Me,
        "сын" | "сына" | "сыну" | "сынa" | "сынок" | "сынка" | "son" => {
            PersonHint::Son
        }
        "дочь" | "дочку" | "дочка" | "дочери" | "дочке" | "доча" | "дочу" | "daughter" => {
            PersonHint::Daughter
        }
        "ребенка" | "ребенок" | "ребенку" | "детей" | "child" | "kid" => {
            PersonHint::Child
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHILDREN_CLINIC: &[&str] = &[
        "Педиатр",
        "Детский хирург",
        "Офтальмолог",
        "Оториноларинголог",
        "Невролог",
    ];
    const ADULT_CLINIC: &[&str] = &[
        "Терапевт",
        "Хирург",
        "Офтальмолог",
        "Невролог",
        "Оториноларинголог",
        "Кардиолог",
        "Эндокринолог",
        "Акушер-гинеколог",
        "Стоматолог-терапевт",
    ];

    /// The best-scoring names, as the bot would offer them.
    fn best<'a>(text: &str, names: &[&'a str]) -> Vec<&'a str> {
        let query = Query::parse(text);
        let top = names
            .iter()
            .map(|n| query.specialty_score(n))
            .max()
            .unwrap_or(0);
        if top == 0 {
            return Vec::new();
        }
        names
            .iter()
            .filter(|n| query.specialty_score(n) == top)
            .copied()
            .collect()
    }

    #[test]
    fn the_issues_examples_find_the_pediatrician_and_the_daughter() {
        let query = Query::parse("запиши дочь к педиатру");
        assert_eq!(query.person(), Some(&PersonHint::Daughter));
        assert_eq!(best("запиши дочь к педиатру", CHILDREN_CLINIC), ["Педиатр"]);
        assert_eq!(best("педиатр", CHILDREN_CLINIC), ["Педиатр"]);
        assert_eq!(best("Педиатра", CHILDREN_CLINIC), ["Педиатр"]);
        assert_eq!(Query::parse("педиатр").person(), None);
    }

    #[test]
    fn lay_names_find_the_registrys_specialty() {
        for (text, expected) in [
            ("лор", "Оториноларинголог"),
            ("к лору", "Оториноларинголог"),
            ("ЛОР-врач", "Оториноларинголог"),
            ("окулист", "Офтальмолог"),
            ("к окулисту", "Офтальмолог"),
            ("глазной врач", "Офтальмолог"),
            ("невропатолог", "Невролог"),
            ("к неврологу", "Невролог"),
            ("гинеколог", "Акушер-гинеколог"),
            ("кардиологу", "Кардиолог"),
            ("терапевт", "Терапевт"),
            ("к терапевту, пожалуйста", "Терапевт"),
            ("therapist", "Терапевт"),
        ] {
            assert_eq!(best(text, ADULT_CLINIC), [expected], "{text}");
        }
    }

    #[test]
    fn more_words_matched_rank_higher() {
        assert_eq!(best("детский хирург", CHILDREN_CLINIC), ["Детский хирург"]);
        assert_eq!(
            best("к детскому хирургу", CHILDREN_CLINIC),
            ["Детский хирург"]
        );
        // «Хирург» alone fits every surgeon: the bot lists them.
        assert_eq!(best("хирург", ADULT_CLINIC), ["Хирург"]);
        assert_eq!(
            best("зубной терапевт", ADULT_CLINIC),
            ["Стоматолог-терапевт"]
        );
    }

    #[test]
    fn text_that_names_nothing_finds_nothing() {
        for text in ["", "привет", "запиши", "запиши дочь", "???", "123"] {
            assert!(best(text, ADULT_CLINIC).is_empty(), "{text}");
        }
        assert!(Query::parse("запиши дочь").is_empty());
        assert!(Query::parse("запишите меня, пожалуйста").is_empty());
        assert!(!Query::parse("лор").is_empty());
    }

    #[test]
    fn the_person_is_read_from_the_words_for_them() {
        for (text, person) in [
            ("запиши сына к хирургу", Some(PersonHint::Son)),
            ("сыну лор", Some(PersonHint::Son)),
            ("дочку к окулисту", Some(PersonHint::Daughter)),
            ("для дочери", Some(PersonHint::Daughter)),
            ("запиши меня к терапевту", Some(PersonHint::Me)),
            ("себе к терапевту", Some(PersonHint::Me)),
            ("ребёнка к педиатру", Some(PersonHint::Child)),
            ("к педиатру", None),
        ] {
            assert_eq!(Query::parse(text).person(), person.as_ref(), "{text}");
        }
    }

    #[test]
    fn a_surname_finds_the_doctor_in_any_case() {
        let doctors = [
            "Иванова Мария Петровна",
            "Петров Иван Сергеевич",
            "Антонова Е.В. 3 ТО 32 участок (с 24.02 по 10.03 без приема)",
            "Сёмина Ольга Юрьевна",
        ];
        let named = |text: &str| -> Vec<&str> {
            let q = Query::parse(text);
            doctors
                .iter()
                .filter(|d| q.names_doctor(d))
                .copied()
                .collect()
        };
        assert_eq!(named("Иванова"), ["Иванова Мария Петровна"]);
        assert_eq!(named("к Ивановой"), ["Иванова Мария Петровна"]);
        assert_eq!(named("петрову"), ["Петров Иван Сергеевич"]);
        assert_eq!(
            named("антонова"),
            ["Антонова Е.В. 3 ТО 32 участок (с 24.02 по 10.03 без приема)"]
        );
        assert_eq!(named("семина"), ["Сёмина Ольга Юрьевна"]);
        // Short stems and specialties name no doctor.
        assert_eq!(named("иван"), ["Иванова Мария Петровна"]);
        assert!(named("ива").is_empty());
        assert!(named("педиатр").is_empty());
        assert!(named("").is_empty());
    }

    #[test]
    fn a_childs_first_name_in_any_case_names_the_child() {
        assert!(Query::parse("запиши Марию к педиатру").names_child("Мария"));
        assert!(Query::parse("Мария").names_child("Мария"));
        assert!(Query::parse("Петра к лору").names_child("Пётр"));
        assert!(!Query::parse("к педиатру").names_child("Мария"));
        // A lay name stands for the specialty only.
        assert!(!Query::parse("лор").names_child("Лора"));
    }

    #[test]
    fn stems_keep_at_least_three_letters() {
        assert_eq!(stem("лору"), "лор");
        assert_eq!(stem("лор"), "лор");
        assert_eq!(stem("педиатру"), "педиатр");
        assert_eq!(stem("ивановой"), "иванов");
        assert_eq!(stem("я"), "я");
    }
}
