//! The demo registry's data: the seed's ten districts, clinics of the Irkutsk region with real-looking
//! names, addresses, phones and coordinates, their specialties and doctors, and a schedule generated from
//! the ids (so every run shows the same doctors and the same pattern of free slots).
//!
//! It looks like what the live service sends (2025–26): `lpuType` values such as «Поликлиника» and
//! «Детская психиатрия», участки as free text, doctors' comments with their absences, schedules open 30 days
//! ahead with 15- or 30-minute visits, and slot ids in the three shapes clinics' MIS give
//! (`738_2026-12-01_09:30:00`, `01.12.2026;09:30;п171.310`, `1740984`).
//!
//! Everything here is invented for the sandbox; no clinic, doctor or phone is meant to be real.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::{Clinic, District, TimetableDay};

/// How far ahead the schedule goes, today included (the live service opens about 30 days).
pub const SCHEDULE_DAYS: i64 = 30;
/// How long a window of the demo's cancellations lasts (see [`DemoDoctor::released`]).
const RELEASE_WINDOW_SECS: i64 = 600;
/// A shift's length, in hours.
const SHIFT_HOURS: i64 = 4;

pub const DISTRICTS: [&str; 10] = [
    "г. Иркутск",
    "Иркутский район",
    "Шелеховский район",
    "г. Ангарск",
    "г. Усолье-Сибирское",
    "Усольский район",
    "г. Братск",
    "Братский район",
    "г. Усть-Илимск",
    "Усть-Илимский район",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Adult,
    Children,
    Dental,
    Women,
    Hospital,
    Psychiatry,
    ChildPsychiatry,
    Dermatology,
}

/// The shape of the slot ids a clinic's MIS gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotShape {
    /// `738_2026-12-01_09:30:00`: the doctor's id, the date and the time.
    Underscored,
    /// `01.12.2026;09:30;п171.310`: the date, the time and the doctor's id (which is not ASCII).
    Semicolons,
    /// `1740984`: a number that names nothing.
    Numeric,
}

impl Kind {
    /// `lpuType` as the live service words it in 2025–26.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Adult => "Поликлиника",
            Kind::Children => "Детская поликлиника",
            Kind::Dental => "Стоматология",
            Kind::Women => "Женская консультация",
            Kind::Hospital => "Больница",
            Kind::Psychiatry => "Психиатрия",
            Kind::ChildPsychiatry => "Детская психиатрия",
            Kind::Dermatology => "Дерматология и венерология",
        }
    }

    pub fn slot_shape(self) -> SlotShape {
        match self {
            Kind::Adult | Kind::Hospital => SlotShape::Underscored,
            Kind::Children | Kind::Dental => SlotShape::Numeric,
            Kind::Women | Kind::Psychiatry | Kind::ChildPsychiatry | Kind::Dermatology => {
                SlotShape::Semicolons
            }
        }
    }

    /// The specialties open for booking in a clinic of this kind: (id, name).
    pub fn specialties(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::Adult => &[
                ("1", "Терапевт"),
                ("2", "Хирург"),
                ("3", "Офтальмолог"),
                ("4", "Невролог"),
                ("5", "Оториноларинголог"),
                ("6", "Кардиолог"),
                ("7", "Эндокринолог"),
            ],
            Kind::Children => &[
                ("11", "Педиатр"),
                ("12", "Детский хирург"),
                ("3", "Офтальмолог"),
                ("5", "Оториноларинголог"),
                ("4", "Невролог"),
            ],
            Kind::Dental => &[
                ("21", "Стоматолог-терапевт"),
                ("22", "Стоматолог-хирург"),
                ("23", "Стоматолог детский"),
            ],
            Kind::Women => &[("31", "Акушер-гинеколог"), ("32", "Врач УЗИ")],
            Kind::Hospital => &[
                ("1", "Терапевт"),
                ("2", "Хирург"),
                ("6", "Кардиолог"),
                ("41", "Травматолог-ортопед"),
            ],
            Kind::Psychiatry => &[("51", "Психиатр"), ("52", "Психотерапевт")],
            Kind::ChildPsychiatry => &[("53", "Психиатр детский"), ("54", "Медицинский психолог")],
            Kind::Dermatology => &[("61", "Дерматовенеролог")],
        }
    }
}

pub struct DemoClinic {
    pub id: i64,
    /// 1-based index into [`DISTRICTS`].
    pub district: u8,
    pub kind: Kind,
    pub short: &'static str,
    pub full: &'static str,
    pub address: &'static str,
    pub phone: &'static str,
    pub lat: f64,
    pub lon: f64,
}

macro_rules! clinics {
    ($(($id:expr, $d:expr, $kind:ident, $short:expr, $full:expr, $addr:expr, $phone:expr, $lat:expr, $lon:expr)),+ $(,)?) => {
        &[$(DemoClinic { id: $id, district: $d, kind: Kind::$kind, short: $short, full: $full, address: $addr, phone: $phone, lat: $lat, lon: $lon }),+]
    };
}

pub const CLINICS: &[DemoClinic] = clinics![
    // г. Иркутск: fourteen adult clinics, so the list has more than one page.
    (
        101,
        1,
        Adult,
        "Поликлиника № 1",
        "ОГАУЗ \"Иркутская городская поликлиника № 1\"",
        "г. Иркутск, ул. Горького, 36",
        "+7 3952 24-21-01",
        52.2853,
        104.2834
    ),
    (
        102,
        1,
        Adult,
        "Поликлиника № 2",
        "ОГБУЗ \"Иркутская городская поликлиника № 2\"",
        "г. Иркутск, ул. Маршала Конева, 70",
        "+7 3952 46-33-02",
        52.2628,
        104.3490
    ),
    (
        103,
        1,
        Adult,
        "Поликлиника № 3",
        "ОГАУЗ \"Иркутская городская поликлиника № 3\"",
        "г. Иркутск, ул. Лызина, 5",
        "+7 3952 34-53-03",
        52.2372,
        104.2647
    ),
    (
        104,
        1,
        Adult,
        "Поликлиника № 4",
        "ОГБУЗ \"Иркутская городская поликлиника № 4\"",
        "г. Иркутск, ул. Сибирских Партизан, 10",
        "+7 3952 32-08-04",
        52.3128,
        104.2351
    ),
    (
        105,
        1,
        Adult,
        "Поликлиника № 5",
        "ОГБУЗ \"Иркутская городская поликлиника № 5\"",
        "г. Иркутск, ул. Академика Курчатова, 3",
        "+7 3952 38-14-05",
        52.3394,
        104.2176
    ),
    (
        106,
        1,
        Adult,
        "Поликлиника № 6",
        "ОГБУЗ \"Иркутская городская поликлиника № 6\"",
        "г. Иркутск, ул. Лермонтова, 118",
        "+7 3952 41-09-06",
        52.2460,
        104.2634
    ),
    (
        108,
        1,
        Adult,
        "Поликлиника № 8",
        "ОГАУЗ \"Иркутская городская поликлиника № 8\"",
        "г. Иркутск, ул. Ярославского, 300",
        "+7 3952 44-41-08",
        52.3011,
        104.1993
    ),
    (
        109,
        1,
        Adult,
        "Поликлиника № 9",
        "ОГАУЗ \"Иркутская городская поликлиника № 9\"",
        "г. Иркутск, ул. Баумана, 206",
        "+7 3952 36-27-09",
        52.3506,
        104.1692
    ),
    (
        110,
        1,
        Adult,
        "Поликлиника № 10",
        "ОГБУЗ \"Иркутская городская поликлиника № 10\"",
        "г. Иркутск, ул. Розы Люксембург, 260",
        "+7 3952 39-51-10",
        52.3599,
        104.1598
    ),
    (
        111,
        1,
        Adult,
        "Поликлиника № 11",
        "ОГАУЗ \"Иркутская городская поликлиника № 11\"",
        "г. Иркутск, ул. Ядринцева, 1",
        "+7 3952 29-11-11",
        52.2589,
        104.3203
    ),
    (
        112,
        1,
        Adult,
        "Поликлиника № 12",
        "ОГБУЗ \"Иркутская городская поликлиника № 12\"",
        "г. Иркутск, ул. Станиславского, 6",
        "+7 3952 27-70-12",
        52.2557,
        104.2390
    ),
    (
        115,
        1,
        Adult,
        "Поликлиника № 15",
        "ОГАУЗ \"Иркутская городская поликлиника № 15\"",
        "г. Иркутск, ул. Образцова, 27",
        "+7 3952 21-65-15",
        52.2735,
        104.3361
    ),
    (
        117,
        1,
        Adult,
        "Поликлиника № 17",
        "ОГБУЗ \"Иркутская городская поликлиника № 17\"",
        "г. Иркутск, ул. Севастопольская, 216а",
        "+7 3952 22-43-17",
        52.2719,
        104.3202
    ),
    (
        118,
        1,
        Adult,
        "Поликлиника ИГКБ № 1",
        "ОГБУЗ \"Иркутская городская клиническая больница № 1\", поликлиника",
        "г. Иркутск, ул. Байкальская, 118",
        "+7 3952 70-36-18",
        52.2767,
        104.3183
    ),
    (
        131,
        1,
        Children,
        "Детская поликлиника № 1",
        "ОГАУЗ \"Иркутская городская детская поликлиника № 1\"",
        "г. Иркутск, ул. Карла Маркса, 34",
        "+7 3952 33-49-31",
        52.2846,
        104.2860
    ),
    (
        132,
        1,
        Children,
        "Детская поликлиника № 2",
        "ОГАУЗ \"Иркутская городская детская поликлиника № 2\"",
        "г. Иркутск, ул. Муханова, 2а",
        "+7 3952 30-36-32",
        52.2580,
        104.3271
    ),
    (
        133,
        1,
        Children,
        "Детская поликлиника № 3",
        "ОГАУЗ \"Иркутская городская детская поликлиника № 3\"",
        "г. Иркутск, ул. Сурнова, 30/1",
        "+7 3952 53-36-33",
        52.3035,
        104.2476
    ),
    (
        136,
        1,
        Children,
        "Детская поликлиника № 6",
        "ОГАУЗ \"Иркутская городская детская поликлиника № 6\"",
        "г. Иркутск, мкр. Университетский, 55",
        "+7 3952 36-63-36",
        52.2410,
        104.2569
    ),
    (
        151,
        1,
        Dental,
        "Стоматология № 1",
        "ОГАУЗ \"Иркутская городская стоматологическая поликлиника № 1\"",
        "г. Иркутск, ул. Фурье, 3",
        "+7 3952 24-17-51",
        52.2880,
        104.2890
    ),
    (
        152,
        1,
        Dental,
        "Стоматология № 2",
        "ОГАУЗ \"Иркутская городская стоматологическая поликлиника № 2\"",
        "г. Иркутск, ул. Декабрьских Событий, 102",
        "+7 3952 20-57-52",
        52.2806,
        104.3076
    ),
    (
        153,
        1,
        Dental,
        "Областная стоматологическая",
        "ОГАУЗ \"Иркутская областная стоматологическая поликлиника\"",
        "г. Иркутск, ул. Софьи Перовской, 30",
        "+7 3952 33-64-53",
        52.2827,
        104.2872
    ),
    (
        171,
        1,
        Women,
        "Женская консультация ИГПЦ",
        "ОГАУЗ \"Иркутский городской перинатальный центр\", женская консультация",
        "г. Иркутск, ул. Сергеева, 5",
        "+7 3952 40-57-71",
        52.2902,
        104.2581
    ),
    (
        172,
        1,
        Women,
        "Женская консультация № 2",
        "ОГБУЗ \"Иркутская городская клиническая больница № 8\", женская консультация № 2",
        "г. Иркутск, ул. Ярославского, 215",
        "+7 3952 44-08-72",
        52.3003,
        104.2020
    ),
    (
        181,
        1,
        Hospital,
        "ИОКБ, консультативная поликлиника",
        "ГБУЗ \"Иркутская ордена \"Знак Почёта\" областная клиническая больница\", консультативная поликлиника",
        "г. Иркутск, мкр. Юбилейный, 100",
        "+7 3952 40-77-81",
        52.2524,
        104.3420
    ),
    (
        185,
        1,
        Psychiatry,
        "Областной психоневрологический диспансер",
        "ОГБУЗ \"Иркутский областной психоневрологический диспансер\"",
        "г. Иркутск, ул. Тимирязева, 17",
        "+7 3952 24-38-85",
        52.2907,
        104.2786
    ),
    (
        186,
        1,
        ChildPsychiatry,
        "Детское отделение ПНД",
        "ОГБУЗ \"Иркутский областной психоневрологический диспансер\", детское диспансерное отделение",
        "г. Иркутск, ул. Ленина, 22",
        "+7 3952 20-31-86",
        52.2872,
        104.2797
    ),
    (
        188,
        1,
        Dermatology,
        "Кожно-венерологический диспансер",
        "ОГБУЗ \"Иркутский областной кожно-венерологический диспансер\"",
        "г. Иркутск, ул. Фурье, 2",
        "+7 3952 24-21-88",
        52.2885,
        104.2902
    ),
    // Иркутский район
    (
        201,
        2,
        Adult,
        "Иркутская РБ, Хомутово",
        "ОГБУЗ \"Иркутская районная больница\", поликлиника п. Хомутово",
        "Иркутский р-н, с. Хомутово, ул. Кирова, 7а",
        "+7 3952 69-71-01",
        52.4641,
        104.3934
    ),
    (
        231,
        2,
        Children,
        "Детская консультация, Хомутово",
        "ОГБУЗ \"Иркутская районная больница\", детская консультация",
        "Иркутский р-н, с. Хомутово, ул. Кирова, 7",
        "+7 3952 69-71-31",
        52.4648,
        104.3921
    ),
    // Шелеховский район
    (
        301,
        3,
        Adult,
        "Шелеховская РБ, поликлиника",
        "ОГБУЗ \"Шелеховская районная больница\", поликлиника",
        "г. Шелехов, 4-й микрорайон, 36",
        "+7 39550 4-25-01",
        52.2107,
        104.0978
    ),
    (
        331,
        3,
        Children,
        "Шелеховская РБ, детская",
        "ОГБУЗ \"Шелеховская районная больница\", детская поликлиника",
        "г. Шелехов, 1-й микрорайон, 12",
        "+7 39550 4-14-31",
        52.2154,
        104.1052
    ),
    (
        351,
        3,
        Dental,
        "Шелеховская стоматология",
        "ОГАУЗ \"Шелеховская стоматологическая поликлиника\"",
        "г. Шелехов, ул. Ленина, 15",
        "+7 39550 4-36-51",
        52.2122,
        104.1011
    ),
    // г. Ангарск
    (
        401,
        4,
        Adult,
        "Ангарская ГБ, поликлиника № 1",
        "ОГАУЗ \"Ангарская городская больница\", поликлиника № 1",
        "г. Ангарск, 29-й микрорайон, 21",
        "+7 3955 52-30-01",
        52.5333,
        103.8991
    ),
    (
        402,
        4,
        Adult,
        "Ангарская ГБ, поликлиника № 2",
        "ОГАУЗ \"Ангарская городская больница\", поликлиника № 2",
        "г. Ангарск, 95-й квартал, 6",
        "+7 3955 54-10-02",
        52.5447,
        103.8720
    ),
    (
        431,
        4,
        Children,
        "Ангарская детская поликлиника",
        "ОГАУЗ \"Ангарская городская детская больница № 1\", детская поликлиника",
        "г. Ангарск, 22-й микрорайон, 23",
        "+7 3955 67-41-31",
        52.5289,
        103.9123
    ),
    (
        451,
        4,
        Dental,
        "Ангарская стоматология",
        "ОГАУЗ \"Ангарская городская стоматологическая поликлиника\"",
        "г. Ангарск, 10-й микрорайон, 62",
        "+7 3955 53-35-51",
        52.5396,
        103.8857
    ),
    (
        471,
        4,
        Women,
        "Женская консультация, Ангарск",
        "ОГАУЗ \"Ангарский перинатальный центр\", женская консультация",
        "г. Ангарск, 85-й квартал, 20",
        "+7 3955 51-16-71",
        52.5481,
        103.8938
    ),
    (
        481,
        4,
        Hospital,
        "Ангарская ГБ, стационар",
        "ОГАУЗ \"Ангарская городская больница скорой медицинской помощи\"",
        "г. Ангарск, 22-й микрорайон, 20",
        "+7 3955 69-40-81",
        52.5302,
        103.9095
    ),
    // г. Усолье-Сибирское
    (
        501,
        5,
        Adult,
        "Усольская ГБ, поликлиника",
        "ОГБУЗ \"Усольская городская больница\", поликлиника № 1",
        "г. Усолье-Сибирское, ул. Менделеева, 34",
        "+7 39543 6-23-01",
        52.7523,
        103.6459
    ),
    (
        531,
        5,
        Children,
        "Усольская детская поликлиника",
        "ОГБУЗ \"Усольская городская больница\", детская поликлиника",
        "г. Усолье-Сибирское, пр-т Комсомольский, 58",
        "+7 39543 6-52-31",
        52.7587,
        103.6411
    ),
    (
        551,
        5,
        Dental,
        "Усольская стоматология",
        "ОГАУЗ \"Усольская стоматологическая поликлиника\"",
        "г. Усолье-Сибирское, ул. Ленина, 44",
        "+7 39543 6-04-51",
        52.7498,
        103.6390
    ),
    // Усольский район
    (
        601,
        6,
        Adult,
        "Мишелёвская участковая больница",
        "ОГБУЗ \"Усольская городская больница\", Мишелёвская участковая больница",
        "Усольский р-н, рп. Мишелёвка, ул. Мира, 2",
        "+7 39543 9-31-01",
        52.8633,
        103.1751
    ),
    (
        602,
        6,
        Adult,
        "Белореченская поликлиника",
        "ОГБУЗ \"Усольская городская больница\", Белореченская поликлиника",
        "Усольский р-н, рп. Белореченский, 100",
        "+7 39543 2-61-02",
        52.8378,
        103.5184
    ),
    // г. Братск
    (
        701,
        7,
        Adult,
        "Братская ГБ № 1, поликлиника",
        "ОГБУЗ \"Братская городская больница № 1\", поликлиника",
        "г. Братск, ул. Крупской, 3",
        "+7 3953 41-30-01",
        56.1522,
        101.6243
    ),
    (
        702,
        7,
        Adult,
        "Братская ГБ № 2, поликлиника",
        "ОГБУЗ \"Братская городская больница № 2\", поликлиника",
        "г. Братск, ул. Погодаева, 1",
        "+7 3953 37-10-02",
        56.1307,
        101.6075
    ),
    (
        731,
        7,
        Children,
        "Братская детская поликлиника",
        "ОГАУЗ \"Братская детская городская больница\", поликлиника № 1",
        "г. Братск, ул. Курчатова, 3",
        "+7 3953 41-51-31",
        56.1440,
        101.6391
    ),
    (
        751,
        7,
        Dental,
        "Братская стоматология № 1",
        "ОГАУЗ \"Братская стоматологическая поликлиника № 1\"",
        "г. Братск, ул. Кирова, 11",
        "+7 3953 45-20-51",
        56.1569,
        101.6168
    ),
    (
        771,
        7,
        Women,
        "Женская консультация, Братск",
        "ОГАУЗ \"Братский перинатальный центр\", женская консультация",
        "г. Братск, ул. Янгеля, 131",
        "+7 3953 42-15-71",
        56.1417,
        101.6299
    ),
    (
        785,
        7,
        Psychiatry,
        "Братский психоневрологический диспансер",
        "ОГБУЗ \"Иркутская областная психиатрическая больница № 2\", Братский филиал",
        "г. Братск, ул. Рябикова, 12",
        "+7 3953 41-07-85",
        56.1485,
        101.6330
    ),
    // Братский район
    (
        801,
        8,
        Adult,
        "Братская РБ, Вихоревка",
        "ОГБУЗ \"Братская районная больница\", поликлиника г. Вихоревка",
        "Братский р-н, г. Вихоревка, ул. Ленина, 64",
        "+7 39532 4-02-01",
        56.1209,
        101.1696
    ),
    (
        831,
        8,
        Children,
        "Братская РБ, детская",
        "ОГБУЗ \"Братская районная больница\", детская консультация",
        "Братский р-н, г. Вихоревка, ул. Ленина, 66",
        "+7 39532 4-02-31",
        56.1213,
        101.1711
    ),
    // г. Усть-Илимск
    (
        901,
        9,
        Adult,
        "Усть-Илимская поликлиника № 1",
        "ОГБУЗ \"Усть-Илимская городская поликлиника № 1\"",
        "г. Усть-Илимск, ул. Наймушина, 28",
        "+7 39535 5-85-01",
        58.0046,
        102.6619
    ),
    (
        931,
        9,
        Children,
        "Усть-Илимская детская поликлиника",
        "ОГБУЗ \"Усть-Илимская городская детская поликлиника\"",
        "г. Усть-Илимск, ул. Мечтателей, 21",
        "+7 39535 7-36-31",
        57.9987,
        102.6728
    ),
    (
        951,
        9,
        Dental,
        "Усть-Илимская стоматология",
        "ОГАУЗ \"Усть-Илимская городская стоматологическая поликлиника\"",
        "г. Усть-Илимск, пр-т Дружбы Народов, 46",
        "+7 39535 5-21-51",
        58.0003,
        102.6584
    ),
    (
        971,
        9,
        Women,
        "Женская консультация, Усть-Илимск",
        "ОГБУЗ \"Усть-Илимская городская больница\", женская консультация",
        "г. Усть-Илимск, ул. Героев Труда, 38",
        "+7 39535 6-72-71",
        57.9968,
        102.6807
    ),
    // Усть-Илимский район
    (
        1001,
        10,
        Adult,
        "Усть-Илимская РБ, Железнодорожный",
        "ОГБУЗ \"Усть-Илимская районная больница\", поликлиника рп. Железнодорожный",
        "Усть-Илимский р-н, рп. Железнодорожный, ул. Школьная, 3",
        "+7 39535 2-20-01",
        57.9176,
        102.7281
    ),
    (
        1031,
        10,
        Children,
        "Усть-Илимская РБ, детская",
        "ОГБУЗ \"Усть-Илимская районная больница\", детская консультация",
        "Усть-Илимский р-н, рп. Железнодорожный, ул. Школьная, 5",
        "+7 39535 2-20-31",
        57.9181,
        102.7290
    ),
];

pub fn districts() -> Vec<District> {
    DISTRICTS
        .iter()
        .enumerate()
        .map(|(i, name)| District {
            id: (i + 1).to_string(),
            name: (*name).to_owned(),
            okato: Some(25_401_000_000 + (i as i64 + 1) * 1_000_000),
        })
        .collect()
}

pub fn find_clinic(id: i64) -> Option<&'static DemoClinic> {
    CLINICS.iter().find(|c| c.id == id)
}

impl DemoClinic {
    pub fn to_clinic(&self) -> Clinic {
        Clinic {
            id: self.id,
            short_name: self.short.to_owned(),
            full_name: self.full.to_owned(),
            kind: Some(self.kind.label().to_owned()),
            district_id: Some(i64::from(self.district)),
            district_name: Some(DISTRICTS[usize::from(self.district) - 1].to_owned()),
            address: Some(self.address.to_owned()),
            phone: Some(self.phone.to_owned()),
            email: Some(format!("lpu{}@demo.kvrachu.invalid", self.id)),
            longitude: Some(self.lon),
            latitude: Some(self.lat),
            is_active: true,
            description: None,
            oid: Some(format!("1.2.643.5.1.13.13.12.2.38.{}", 3000 + self.id)),
        }
    }

    /// The doctors of a specialty here.
    pub fn doctors(&self, specialty_id: &str) -> Vec<DemoDoctor> {
        let Some(index) = self
            .kind
            .specialties()
            .iter()
            .position(|(id, _)| *id == specialty_id)
        else {
            return Vec::new();
        };
        let seed = hash(&format!("{}/{specialty_id}", self.id));
        // The first specialty (терапевт, педиатр …) has more doctors: one per участок.
        let count = if index == 0 {
            3 + seed % 2
        } else {
            1 + seed % 2
        };
        (0..count)
            .map(|n| {
                let code = format!("{}{:0>2}{n}", self.id, specialty_id);
                // Clinics whose MIS gives `date;time;doctor` slot ids name doctors like «п171.310».
                let id = match self.kind.slot_shape() {
                    SlotShape::Semicolons => format!("п{}.{:0>2}{n}", self.id, specialty_id),
                    _ => code.clone(),
                };
                let name = person_name(hash(&code));
                let area =
                    (index == 0).then(|| area_text(self.kind, n + 1 + seed % 9, hash(&code)));
                DemoDoctor {
                    area,
                    id,
                    name,
                    specialty_id: specialty_id.to_owned(),
                    shape: self.kind.slot_shape(),
                }
            })
            .collect()
    }

    /// Finds a doctor of this clinic by id, with the specialty.
    pub fn doctor(&self, doctor_id: &str) -> Option<DemoDoctor> {
        self.kind
            .specialties()
            .iter()
            .flat_map(|(spec, _)| self.doctors(spec))
            .find(|d| d.id == doctor_id)
    }

    /// The doctor and the time of the slot `id` of this clinic; `visit` (the time the booking names) finds
    /// the doctor of a numeric id.
    pub fn slot(&self, id: &str, visit: NaiveDateTime) -> Option<(DemoDoctor, NaiveDateTime)> {
        let (doctor, at) = match parse_slot_id(id) {
            Some((doctor, at)) => (self.doctor(doctor)?, at),
            None => {
                let doctor = self
                    .kind
                    .specialties()
                    .iter()
                    .flat_map(|(spec, _)| self.doctors(spec))
                    .find(|d| d.slot_id(visit) == id)?;
                (doctor, visit)
            }
        };
        (doctor.slot_id(at) == id).then_some((doctor, at))
    }

    pub fn specialty_name(&self, specialty_id: &str) -> Option<&'static str> {
        self.kind
            .specialties()
            .iter()
            .find(|(id, _)| *id == specialty_id)
            .map(|(_, name)| *name)
    }

    pub fn room_of(&self, doctor_id: &str) -> String {
        (100 + hash(doctor_id) % 320).to_string()
    }
}

#[derive(Clone, Debug)]
pub struct DemoDoctor {
    pub id: String,
    pub name: String,
    /// `ariaNumber`: free text, possibly "".
    pub area: Option<String>,
    pub specialty_id: String,
    pub shape: SlotShape,
}

/// Why a doctor does not see patients for a while, as a comment and a timetable say it.
const ABSENCES: [&str; 3] = ["Отпуск", "Нетрудоспособность", "Учёба"];
/// How often an absence comes back, in days (anchored to the calendar, so it does not move day by day).
const ABSENCE_CYCLE: i64 = 75;

impl DemoDoctor {
    fn seed(&self) -> u64 {
        hash(&self.id)
    }

    /// Whether the doctor has a schedule at all: about one doctor in six has none.
    pub fn has_schedule(&self) -> bool {
        !self.seed().is_multiple_of(6)
    }

    /// The length of one visit, in minutes: 15 for some doctors, 30 for others.
    pub fn visit_minutes(&self) -> i64 {
        if (self.seed() / 6).is_multiple_of(2) {
            15
        } else {
            30
        }
    }

    /// The doctor's absence (a cause) on `day`, if any: one doctor in four is away now and then, a week or
    /// two in every 75 days.
    pub fn absence(&self, day: NaiveDate) -> Option<&'static str> {
        let h = hash(&format!("{}~absence", self.id));
        if !h.is_multiple_of(4) {
            return None;
        }
        let length = 7 + (h / 4 % 8) as i64;
        let offset = (h / 32 % ABSENCE_CYCLE as u64) as i64;
        let at = (i64::from(day.num_days_from_ce()) + offset).rem_euclid(ABSENCE_CYCLE);
        (at < length).then(|| ABSENCES[(h / 2048 % ABSENCES.len() as u64) as usize])
    }

    /// Whether the doctor works on `day` (absences aside): never on Sunday, on Saturday one doctor in three.
    fn works_on(&self, day: NaiveDate) -> bool {
        match day.weekday() {
            Weekday::Sun => false,
            Weekday::Sat => self.seed().is_multiple_of(3),
            _ => true,
        }
    }

    /// The reception hours on `day`, when the doctor receives then: mornings (08:00–12:00) or afternoons
    /// (14:00–18:00), alternating by day.
    pub fn hours(&self, day: NaiveDate) -> Option<(NaiveDateTime, NaiveDateTime)> {
        if !self.has_schedule() || !self.works_on(day) || self.absence(day).is_some() {
            return None;
        }
        let start_hour = if (day.num_days_from_ce() as u64 + self.seed()).is_multiple_of(2) {
            8
        } else {
            14
        };
        let start = day.and_time(NaiveTime::from_hms_opt(start_hour, 0, 0).expect("valid hour"));
        Some((start, start + Duration::hours(SHIFT_HOURS)))
    }

    /// The timetable from `today` on, [`SCHEDULE_DAYS`] days: reception hours on working days, «Выходной»
    /// or the absence on the others. Empty for a doctor without a schedule.
    pub fn timetable(&self, today: NaiveDate) -> Vec<TimetableDay> {
        if !self.has_schedule() {
            return Vec::new();
        }
        (0..SCHEDULE_DAYS)
            .map(|offset| {
                let day = today + Duration::days(offset);
                match self.hours(day) {
                    Some((start, end)) => TimetableDay {
                        visit_start: start,
                        visit_end: Some(end),
                        recordable: true,
                        deny_cause: None,
                    },
                    None => TimetableDay {
                        visit_start: super::midnight(day),
                        visit_end: Some(super::midnight(day)),
                        recordable: false,
                        deny_cause: Some(self.absence(day).unwrap_or("Выходной").to_owned()),
                    },
                }
            })
            .collect()
    }

    /// Every slot of the doctor's schedule from `today` on, booked or not (the demo removes booked and past
    /// ones). About one doctor in six has no free slots at all.
    pub fn schedule(&self, today: NaiveDate) -> Vec<NaiveDateTime> {
        let mut slots = Vec::new();
        let step = self.visit_minutes();
        for offset in 0..SCHEDULE_DAYS {
            let day = today + Duration::days(offset);
            let Some((start, _)) = self.hours(day) else {
                continue;
            };
            for n in 0..(SHIFT_HOURS * 60 / step) {
                let at = start + Duration::minutes(n * step);
                // Most of the schedule is already taken by other patients.
                if hash(&format!("{}@{at}", self.id)) % 10 < 4 {
                    slots.push(at);
                }
            }
        }
        slots
    }

    /// The doctor's `comment`, as the live service gives it: the absence ahead within the schedule
    /// («с 01.12.2026 по 13.12.2026: Нетрудоспособность»), «Командировки служебные» for some, and the
    /// участок when `ariaNumber` does not say it; several lines when there is more than one thing to say.
    pub fn comment(&self, today: NaiveDate) -> Option<String> {
        let mut lines = Vec::new();
        let days = (0..SCHEDULE_DAYS).map(|offset| today + Duration::days(offset));
        let mut absent = days.skip_while(|day| self.absence(*day).is_none());
        if let Some(first) = absent.next() {
            let cause = self.absence(first).unwrap_or_default();
            let mut last = first;
            while self.absence(last + Duration::days(1)).is_some() {
                last += Duration::days(1);
            }
            lines.push(format!(
                "с {} по {}: {cause}",
                first.format("%d.%m.%Y"),
                last.format("%d.%m.%Y")
            ));
        }
        if hash(&format!("{}~trips", self.id)).is_multiple_of(9) {
            lines.push("Командировки служебные".to_owned());
        }
        if self.area.as_deref() == Some("") {
            lines.push(format!("Участок № {}", 1 + self.seed() % 40));
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }

    /// The free-ticket count the registry shows beside the bookable one: some tickets are kept for other
    /// channels (the front desk, referrals), so it may be larger («10» where one can be booked, «2» where
    /// none can).
    ///
    /// A doctor without a schedule has no tickets at all, unless they get cancellations: their line may then
    /// read «2» with nothing to book.
    pub fn ticket_count(&self, free: usize) -> u32 {
        let h = hash(&format!("{}~tickets", self.id));
        let extra = if !self.has_schedule() {
            if self.gets_cancellations() && !(h / 16).is_multiple_of(3) {
                2
            } else {
                0
            }
        } else {
            match h % 4 {
                0 => 9,
                1 => 2,
                _ => 0,
            }
        };
        (free + extra) as u32
    }

    /// Whether this doctor, who has no schedule of their own, now and then gets a slot back from a
    /// cancellation — what «Сообщить о талонах» waits for. Half of the doctors without a schedule do; the
    /// other half never have a free slot.
    pub fn gets_cancellations(&self) -> bool {
        !self.has_schedule() && (self.seed() / 6).is_multiple_of(2)
    }

    /// The slots freed by cancellations that are free at `now` (the region's local time). In each
    /// ten-minute window one doctor in three of those who get cancellations gets a slot back, two to six
    /// days ahead (never on a Sunday); it stays free for that window and the next.
    pub fn released(&self, now: NaiveDateTime) -> Vec<NaiveDateTime> {
        if !self.gets_cancellations() {
            return Vec::new();
        }
        let window = now.and_utc().timestamp().div_euclid(RELEASE_WINDOW_SECS);
        let mut slots: Vec<NaiveDateTime> = [window - 1, window]
            .into_iter()
            .filter_map(|w| {
                let h = hash(&format!("{}#{w}", self.id));
                if !h.is_multiple_of(3) {
                    return None;
                }
                // Counted from the window's own start, so the slot stays the same in the next window.
                let opened = chrono::DateTime::from_timestamp(w * RELEASE_WINDOW_SECS, 0)
                    .map_or(now, |at| at.naive_utc());
                let mut day = opened.date() + Duration::days(2 + (h / 3 % 5) as i64);
                if day.weekday() == Weekday::Sun {
                    day += Duration::days(1);
                }
                let first = NaiveTime::from_hms_opt(9, 0, 0).expect("valid time");
                let offset = Duration::minutes((h / 15 % 12) as i64 * self.visit_minutes());
                Some(day.and_time(first + offset))
            })
            .collect();
        slots.sort_unstable();
        slots.dedup();
        slots
    }

    /// The slot id as the clinic's MIS would give it.
    pub fn slot_id(&self, at: NaiveDateTime) -> String {
        match self.shape {
            SlotShape::Underscored => format!("{}_{}", self.id, at.format("%Y-%m-%d_%H:%M:%S")),
            SlotShape::Semicolons => format!("{};{}", at.format("%d.%m.%Y;%H:%M"), self.id),
            SlotShape::Numeric => {
                (1_000_000 + hash(&format!("{}@{at}", self.id)) % 9_000_000).to_string()
            }
        }
    }
}

/// The doctor and the time a slot id names, for the shapes that name them (a numeric id names nothing).
pub fn parse_slot_id(id: &str) -> Option<(&str, NaiveDateTime)> {
    if let Some((doctor, at)) = id.split_once('_') {
        let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%d_%H:%M:%S").ok()?;
        return Some((doctor, at));
    }
    let mut parts = id.splitn(3, ';');
    let (date, time, doctor) = (parts.next()?, parts.next()?, parts.next()?);
    let at = NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%d.%m.%Y %H:%M").ok()?;
    Some((doctor, at))
}

/// A участок as the live service writes it in `ariaNumber`: a number, «14-д участок», «1 Педиатрическое
/// Отделение», a list «10, 18, 19», or "" (the участок is then only in the comment).
fn area_text(kind: Kind, n: u64, seed: u64) -> String {
    match (kind, seed / 7 % 5) {
        (_, 0) => String::new(),
        (_, 1) => format!("{n}, {}, {}", n + 8, n + 9),
        (Kind::Children, 2) => format!("{} Педиатрическое Отделение", 1 + n % 3),
        (Kind::Children, _) => format!("{n}-д участок"),
        (_, 2) => format!("{n} участок"),
        _ => n.to_string(),
    }
}

const SURNAMES: [(&str, &str); 16] = [
    ("Иванов", "Иванова"),
    ("Петров", "Петрова"),
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"),
    ("Соколов", "Соколова"),
    ("Лебедев", "Лебедева"),
    ("Новиков", "Новикова"),
    ("Морозов", "Морозова"),
    ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"),
    ("Захаров", "Захарова"),
    ("Белов", "Белова"),
    ("Тарасов", "Тарасова"),
    ("Егоров", "Егорова"),
    ("Григорьев", "Григорьева"),
];
const MEN: [&str; 8] = [
    "Александр",
    "Сергей",
    "Андрей",
    "Дмитрий",
    "Алексей",
    "Михаил",
    "Николай",
    "Владимир",
];
const WOMEN: [&str; 8] = [
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Анна",
    "Марина",
];
const PATRONYMICS: [(&str, &str); 8] = [
    ("Александрович", "Александровна"),
    ("Сергеевич", "Сергеевна"),
    ("Викторович", "Викторовна"),
    ("Петрович", "Петровна"),
    ("Иванович", "Ивановна"),
    ("Юрьевич", "Юрьевна"),
    ("Николаевич", "Николаевна"),
    ("Владимирович", "Владимировна"),
];

fn person_name(seed: u64) -> String {
    let surname = SURNAMES[(seed % 16) as usize];
    let patronymic = PATRONYMICS[((seed / 16) % 8) as usize];
    let first = ((seed / 128) % 8) as usize;
    // Two doctors in three are women, as in Russian outpatient clinics.
    if (seed / 1024).is_multiple_of(3) {
        format!("{} {} {}", surname.0, MEN[first], patronymic.0)
    } else {
        format!("{} {} {}", surname.1, WOMEN[first], patronymic.1)
    }
}

/// FNV-1a: stable across Rust releases, unlike the standard hasher.
pub fn hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn there_are_forty_clinics_or_more_in_every_district_with_unique_ids() {
        assert!(CLINICS.len() >= 40);
        let ids: HashSet<i64> = CLINICS.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), CLINICS.len());
        for district in 1..=10u8 {
            assert!(CLINICS.iter().any(|c| c.district == district), "{district}");
        }
        let irkutsk_adult = CLINICS
            .iter()
            .filter(|c| c.district == 1 && c.kind == Kind::Adult)
            .count();
        assert!(irkutsk_adult > 8);
        for kind in [
            Kind::Adult,
            Kind::Children,
            Kind::Dental,
            Kind::Women,
            Kind::Hospital,
            Kind::Psychiatry,
            Kind::ChildPsychiatry,
            Kind::Dermatology,
        ] {
            assert!(CLINICS.iter().any(|c| c.kind == kind), "{kind:?}");
        }
        // Polyclinics for adults and for children are the majority, as in the live lists.
        let polyclinics = CLINICS
            .iter()
            .filter(|c| matches!(c.kind, Kind::Adult | Kind::Children))
            .count();
        assert!(polyclinics * 2 > CLINICS.len(), "{polyclinics}");
    }

    #[test]
    fn clinic_types_are_the_live_services_2025_26_values() {
        let labels: HashSet<&str> = CLINICS.iter().map(|c| c.kind.label()).collect();
        let expected: HashSet<&str> = [
            "Поликлиника",
            "Детская поликлиника",
            "Стоматология",
            "Женская консультация",
            "Больница",
            "Психиатрия",
            "Детская психиатрия",
            "Дерматология и венерология",
        ]
        .into_iter()
        .collect();
        assert_eq!(labels, expected);
    }

    #[test]
    fn coordinates_are_in_the_irkutsk_region() {
        for c in CLINICS {
            assert!((51.0..=60.0).contains(&c.lat), "{}", c.id);
            assert!((100.0..=106.0).contains(&c.lon), "{}", c.id);
            assert!(c.phone.starts_with("+7 395"), "{}", c.id);
        }
    }

    fn every_doctor() -> Vec<(&'static DemoClinic, DemoDoctor)> {
        CLINICS
            .iter()
            .flat_map(|clinic| {
                clinic
                    .kind
                    .specialties()
                    .iter()
                    .flat_map(|(spec, _)| clinic.doctors(spec))
                    .map(move |doctor| (clinic, doctor))
            })
            .collect()
    }

    #[test]
    fn schedules_are_deterministic_and_some_doctors_have_none() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut empty = 0;
        let mut total = 0;
        for (clinic, doctor) in every_doctor() {
            total += 1;
            let schedule = doctor.schedule(today);
            assert_eq!(schedule, doctor.schedule(today));
            if schedule.is_empty() {
                empty += 1;
            }
            for at in &schedule {
                assert_eq!(
                    clinic
                        .slot(&doctor.slot_id(*at), *at)
                        .map(|(d, at)| (d.id, at)),
                    Some((doctor.id.clone(), *at))
                );
                assert_ne!(at.weekday(), Weekday::Sun);
            }
            assert_eq!(
                clinic.doctor(&doctor.id).map(|d| d.id),
                Some(doctor.id.clone())
            );
        }
        assert!(empty > 0 && empty < total / 3, "{empty} of {total}");
    }

    #[test]
    fn slot_ids_come_in_the_three_live_shapes_and_name_their_slot_only() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut shapes = HashSet::new();
        for (clinic, doctor) in every_doctor() {
            let Some(at) = doctor.schedule(today).first().copied() else {
                continue;
            };
            let id = doctor.slot_id(at);
            let shape = if id.chars().all(|c| c.is_ascii_digit()) {
                "numeric"
            } else if id.contains(';') {
                assert!(id.ends_with(&format!(";{}", doctor.id)), "{id}");
                assert!(!doctor.id.is_ascii(), "{}", doctor.id);
                "semicolons"
            } else {
                assert!(id.starts_with(&format!("{}_", doctor.id)), "{id}");
                "underscored"
            };
            shapes.insert(shape);
            // Another time, or another clinic, does not take the id.
            assert_eq!(
                clinic.slot(&id, at + Duration::minutes(1)).is_some(),
                shape != "numeric"
            );
            let other = CLINICS
                .iter()
                .find(|c| c.id != clinic.id && c.kind.slot_shape() == clinic.kind.slot_shape())
                .unwrap();
            assert!(other.slot(&id, at).is_none(), "{id}");
        }
        assert_eq!(shapes.len(), 3, "{shapes:?}");
        let example = NaiveDate::from_ymd_opt(2025, 2, 17)
            .unwrap()
            .and_hms_opt(10, 30, 0)
            .unwrap();
        assert_eq!(
            parse_slot_id("17.02.2025;10:30;п100.136"),
            Some(("п100.136", example))
        );
        assert_eq!(parse_slot_id("1740984"), None);
    }

    #[test]
    fn schedules_open_thirty_days_ahead_in_visits_of_fifteen_or_thirty_minutes() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut minutes = HashSet::new();
        let mut furthest = today;
        for (_, doctor) in every_doctor() {
            minutes.insert(doctor.visit_minutes());
            for at in doctor.schedule(today) {
                assert!(at.date() < today + Duration::days(SCHEDULE_DAYS), "{at}");
                let (start, end) = doctor.hours(at.date()).unwrap();
                assert!(start <= at && at + Duration::minutes(doctor.visit_minutes()) <= end);
                assert_eq!((at - start).num_minutes() % doctor.visit_minutes(), 0);
                furthest = furthest.max(at.date());
            }
        }
        assert_eq!(minutes, [15, 30].into_iter().collect());
        assert!(furthest >= today + Duration::days(25), "{furthest}");
    }

    #[test]
    fn the_timetable_gives_reception_hours_and_why_a_day_is_closed() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut causes = HashSet::new();
        let mut with_schedule = 0;
        for (_, doctor) in every_doctor() {
            let days = doctor.timetable(today);
            if !doctor.has_schedule() {
                assert!(days.is_empty());
                continue;
            }
            with_schedule += 1;
            assert_eq!(days.len() as i64, SCHEDULE_DAYS);
            let schedule = doctor.schedule(today);
            for (offset, day) in days.iter().enumerate() {
                let date = today + Duration::days(offset as i64);
                assert_eq!(day.visit_start.date(), date);
                if day.recordable {
                    assert_eq!(day.deny_cause, None);
                    assert!(day.visit_end.unwrap() > day.visit_start);
                } else {
                    let cause = day.deny_cause.clone().unwrap();
                    assert!(
                        !schedule.iter().any(|at| at.date() == date),
                        "{}: a slot on a closed day {date}",
                        doctor.id
                    );
                    if date.weekday() == Weekday::Sun {
                        assert!(cause == "Выходной" || ABSENCES.contains(&cause.as_str()));
                    }
                    causes.insert(cause);
                }
            }
        }
        assert!(with_schedule > 0);
        assert!(
            causes.contains("Выходной") && causes.len() >= 3,
            "{causes:?}"
        );
    }

    #[test]
    fn doctors_have_live_like_areas_comments_and_ticket_counts() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let (mut empty_area, mut free_text_area, mut listed_area) = (0, 0, 0);
        let (mut absences, mut trips, mut multi_line) = (0, 0, 0);
        let (mut more_tickets, mut tickets_none_bookable) = (0, 0);
        for (_, doctor) in every_doctor() {
            match doctor.area.as_deref() {
                Some("") => empty_area += 1,
                Some(area) if area.contains(',') => listed_area += 1,
                Some(area) if area.contains(' ') => free_text_area += 1,
                _ => {}
            }
            if let Some(comment) = doctor.comment(today) {
                assert_eq!(comment, doctor.comment(today).unwrap());
                if comment.contains(": ") && comment.starts_with("с ") {
                    absences += 1;
                    // The absence named is one the timetable shows.
                    let first = NaiveDate::parse_from_str(&comment[3..13], "%d.%m.%Y").unwrap();
                    assert!(doctor.absence(first).is_some(), "{comment}");
                }
                if comment.contains("Командировки служебные") {
                    trips += 1;
                }
                if comment.contains('\n') {
                    multi_line += 1;
                }
            }
            let free = doctor.schedule(today).len();
            let tickets = doctor.ticket_count(free) as usize;
            assert!(tickets >= free);
            if !doctor.has_schedule() && !doctor.gets_cancellations() {
                assert_eq!(tickets, 0, "{}", doctor.id);
            }
            if tickets > free {
                more_tickets += 1;
                if free == 0 {
                    tickets_none_bookable += 1;
                }
            }
        }
        for (what, n) in [
            ("empty участок", empty_area),
            ("free-text участок", free_text_area),
            ("listed участки", listed_area),
            ("absences", absences),
            ("business trips", trips),
            ("multi-line comments", multi_line),
            ("more tickets than bookable", more_tickets),
            ("tickets with none bookable", tickets_none_bookable),
        ] {
            assert!(n > 0, "{what}");
        }
    }

    #[test]
    fn some_doctors_without_a_schedule_get_slots_back_now_and_then() {
        let start = NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let mut with = 0;
        let mut without = 0;
        for clinic in CLINICS {
            for (spec, _) in clinic.kind.specialties() {
                for doctor in clinic.doctors(spec) {
                    if !doctor.schedule(start.date()).is_empty() {
                        assert!(!doctor.gets_cancellations(), "{}", doctor.id);
                        assert!(doctor.released(start).is_empty());
                        continue;
                    }
                    if !doctor.gets_cancellations() {
                        without += 1;
                        for n in 0..144 {
                            let now = start + Duration::minutes(10 * n);
                            assert!(doctor.released(now).is_empty(), "{}", doctor.id);
                        }
                        continue;
                    }
                    with += 1;
                    let mut released_windows = 0;
                    for n in 0..144 {
                        let now = start + Duration::minutes(10 * n);
                        let slots = doctor.released(now);
                        assert_eq!(slots, doctor.released(now), "deterministic");
                        for at in &slots {
                            assert!(*at > now + Duration::days(1), "{at} at {now}");
                            assert_ne!(at.weekday(), Weekday::Sun);
                            assert_eq!(
                                clinic
                                    .slot(&doctor.slot_id(*at), *at)
                                    .map(|(d, at)| (d.id, at)),
                                Some((doctor.id.clone(), *at))
                            );
                            // Free for two windows: this one and the one before or after.
                            let before = doctor.released(now - Duration::minutes(10));
                            let after = doctor.released(now + Duration::minutes(10));
                            assert!(before.contains(at) || after.contains(at), "{at} at {now}");
                        }
                        if !slots.is_empty() {
                            released_windows += 1;
                        }
                    }
                    // About one window in three (two windows each): neither never nor always.
                    assert!(
                        (10..144).contains(&released_windows),
                        "{}: {released_windows}",
                        doctor.id
                    );
                }
            }
        }
        assert!(with > 0 && without > 0, "{with} with, {without} without");
    }
}
