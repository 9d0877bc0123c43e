## Choosing a clinic: district → clinic type → clinics → the clinic card.

clinics-districts-title = <b>Запись к врачу</b>
    Выберите район:
clinics-kinds-title = <b>{ $district }</b>
    Какая поликлиника нужна?
clinics-district-empty = <b>{ $district }</b>
    В этом районе пока нет поликлиник с записью через интернет. Выберите другой район.
clinics-list-title = <b>{ $kind }</b> · { $district }
    Выберите поликлинику:
clinics-list-page = Страница { $page } из { $pages }
clinics-kind-empty = <b>{ $district }</b>
    Поликлиник этого типа здесь больше нет. Вернитесь назад и выберите другой тип.

## Clinic kinds, one button each, whatever spelling of the registry stands behind it (src/domain/clinic_kind.rs).
## A kind the bot does not know is shown as the registry wrote it.
clinics-kind-adult = Взрослая поликлиника
clinics-kind-children = Детская поликлиника
clinics-kind-women = Женская консультация
clinics-kind-dental-adult = Стоматология для взрослых
clinics-kind-dental-children = Детская стоматология
clinics-kind-dental = Стоматология
clinics-kind-hospital = Больница
clinics-kind-medical-centre = Медицинский центр
clinics-kind-dermatovenereology = Дерматология и венерология
clinics-kind-psychiatry = Психиатрия
clinics-kind-children-psychiatry = Детская психиатрия
clinics-kind-narcology = Наркология
clinics-kind-oncology = Онкология
clinics-kind-phthisiology = Фтизиатрия
clinics-kind-other = Другие

clinics-card-address = 📍 { $address }
clinics-card-no-address = 📍 Адрес не указан
clinics-card-phone = ☎️ { $phone }
clinics-card-email = ✉️ { $email }

clinics-btn-back = « Назад
clinics-btn-map = 📍 На карте
clinics-btn-book = 🩺 Записаться
clinics-btn-retry = 🔄 Повторить
clinics-no-coordinates = Координаты этой поликлиники не указаны.
clinics-book-soon = Запись к врачу через бота появится совсем скоро. Пока можно позвонить в поликлинику по телефону из карточки.

## The registry did not answer (any journey that asks it may use these).
registry-unavailable = Сервис записи временно недоступен, попробуйте позже.
registry-refused = Система записи ответила: { $message }
