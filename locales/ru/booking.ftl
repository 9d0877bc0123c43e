## Booking a visit: specialty → doctor → day → time → confirmation; «Мои записи» and cancelling.

booking-btn-back = « Назад
booking-page = Страница { $page } из { $pages }
booking-gone = Этого варианта уже нет в расписании — вот что есть сейчас.

booking-specialties-title = <b>{ $clinic }</b>
    Выберите специальность (в скобках — свободные талоны):
booking-specialties-empty = <b>{ $clinic }</b>
    Сейчас в этой поликлинике нет специальностей с записью через интернет. Выберите другую поликлинику или позвоните в регистратуру.
booking-specialty-label = { $name } ({ $free })

booking-doctors-title = <b>{ $specialty }</b>
    Выберите врача:
booking-doctors-empty = <b>{ $specialty }</b>
    Врачей этой специальности с записью через интернет сейчас нет.
booking-doctor-line = • <b>{ $name }</b>{ $area } — { $nearest }
booking-doctor-area = , { $area }
booking-doctor-nearest = ближайший приём { $date }
booking-doctor-no-slots = свободных талонов нет

booking-doctor-chosen = <b>{ $doctor }</b>, { $specialty }
booking-days-title = Выберите день (в скобках — свободные талоны):
booking-days-empty = Свободных талонов до { $until } нет. Попробуйте другого врача или загляните позже.
booking-day-label = { $day } ({ $free })
booking-day-full = На этот день талонов больше нет — выберите другой.

## The doctor as the registry describes them: the участок (the word only for bare numbers, otherwise as
## written) and the comment (absences and the like), shortened.
booking-area-one = участок { $area }
booking-area-many = участки { $areas }

## The days screen, a week at a time: only weeks with free slots are counted and shown.
booking-week = Неделя { $week } из { $weeks }: { $dates }
booking-btn-week-before = ◀ { $dates }
booking-btn-week-after = { $dates } ▶

## The doctor's reception hours in the week on display, from the registry's timetable, and the days closed
## for booking with the registry's reason.
booking-reception-title = Приём на этой неделе:
booking-reception-hours = { $day } — { $hours }
booking-reception-from = с { $start }
booking-reception-closed = { $day } — записи нет: { $reason }
booking-reception-closed-plain = { $day } — записи нет
booking-times-title = { $day }: выберите время.

booking-confirm-title = <b>Проверьте запись</b>
booking-confirm-hint = Всё верно? Нажмите «Подтвердить».
booking-btn-confirm = ✅ Подтвердить

booking-need-gosuslugi = Чтобы записаться, войдите через Госуслуги: записаться можно только с подтверждённой учётной записью (для ребёнка — с учётной записью родителя).
    Выбранное время я запомнил: после входа вернёмся к подтверждению.
booking-need-confirmed = Ваша учётная запись на Госуслугах не подтверждена, а записаться к врачу можно только с подтверждённой. Подтвердите её (в центре обслуживания, через онлайн-банк или Почту России) и войдите снова.
    Выбранное время я запомнил: после входа вернёмся к подтверждению.
booking-need-identity = Госуслуги не передали ваши ФИО или дату рождения, а без них поликлиника не найдёт вашу карту. Войдите через Госуслуги снова, разрешив доступ к этим данным.
booking-btn-resume = ▶️ Я вошёл — продолжить
booking-still-need-gosuslugi = Вход через Госуслуги ещё не завершён.
booking-resumed = Госуслуги подключены — продолжим запись.

booking-patient-not-found = Поликлиника не нашла пациента с такими ФИО и датой рождения. Возможно, он не прикреплён к этой поликлинике.
    Проверьте прикрепление в регистратуре или выберите другую поликлинику.
booking-btn-other-clinic = 🏥 Выбрать другую поликлинику
booking-slot-taken = Это время уже заняли. Выберите другое:
booking-already-done = Эта запись уже оформлена.

booking-booked-title = ✅ <b>Вы записаны к врачу</b>
booking-booked-hint = Я напомню о приёме заранее. Файл для календаря — ниже.
booking-calendar-caption = Добавьте приём в календарь
booking-btn-appointments = 📋 Мои записи

booking-appointments-title = <b>Мои записи</b>
booking-appointments-empty = <b>Мои записи</b>
    Предстоящих записей нет.
booking-appointment-item = <b>{ $n }.</b> { $when }
    { $specialty }: { $doctor }
    { $clinic }, { $address }
booking-appointments-person = 👤 <b>{ $person }</b>
booking-appointment-room = Кабинет: { $room }
booking-appointment-phone = ☎️ { $phone }
booking-btn-cancel-n = ❌ Отменить { $n }
booking-sync-failed = Не удалось свериться с системой записи: показываю то, что знаю.

booking-cancel-question = <b>Отменить запись?</b>
booking-btn-cancel-yes = Да, отменить
booking-btn-cancel-no = Нет
booking-cancelled = Запись отменена.
booking-cancel-refused = Система записи не отменила запись. Позвоните в регистратуру поликлиники.
booking-booked-unsaved = ⚠️ Запись в поликлинике создана, но сохранить её в боте не получилось: напоминаний о ней не будет. Запишите время приёма; отменить запись можно в регистратуре поликлиники.
booking-pending = ⏳ <b>Поликлиника не ответила вовремя</b>
booking-pending-hint = Возможно, запись уже создана. Я проверю в течение нескольких минут и напишу сюда, получилось или нет. Пока не записывайтесь на это же время ещё раз.
booking-cancel-not-listed = Поликлиника ещё не показывает эту запись — отменить её пока нельзя. Попробуйте через несколько минут.
booking-cancel-gone = В поликлинике этой записи уже нет: она отменена и здесь.

# ESIA_URL=off: the user's own data instead of a Gosuslugi login.
booking-need-self = Чтобы записаться, заполните свои данные: ФИО, дату рождения и номер полиса ОМС — один раз. По ним поликлиника найдёт вашу карту.
    Выбранное время я запомнил: после этого вернёмся к подтверждению.
booking-btn-fill-self = 📝 Заполнить свои данные

## Для кого запись: строка на каждом экране записи и возраст на карточке подтверждения

booking-for-me = вы
booking-for-aged = { $name }, { $age } { $age ->
        [one] год
        [few] года
       *[many] лет
    }
booking-for-line = 👤 Для: { $person }
booking-btn-for = 👤 Для: { $person }
booking-age-child-at-adults = ⚠️ Для: { $person } — а это приём для взрослых. Детей до 18 лет принимают детские поликлиники и педиатры.
booking-age-adult-at-children = ⚠️ Для: { $person } — а это приём для детей до 18 лет. Взрослых принимают взрослые поликлиники и терапевты.
booking-turns-14 = ℹ️ К дню приёма ребёнку исполнится 14 лет ({ $date }). С 14 лет по правилам портала записываются через собственную учётную запись Госуслуг: эту запись можно подтвердить здесь, следующие — из учётной записи ребёнка.
booking-already-14 = ℹ️ Ребёнку уже исполнилось 14 лет. С 14 лет по правилам портала записываются через собственную учётную запись Госуслуг; родители записывают детей до 14 лет.
booking-confirm-hint-anyway = Возраст не подходит к этому приёму. Записать всё равно, выбрать другую поликлинику или записать другого человека?
booking-btn-confirm-anyway = ⚠️ Всё равно записать

## Проверка при «Записаться»: можно ли записываться с этой учётной записью

booking-gate-not-linked = ℹ️ Чтобы записаться, войдите через Госуслуги («🏛 Госуслуги» ниже) — нужна подтверждённая учётная запись. Выбирать поликлинику, врача и время можно уже сейчас: выбор сохранится, и после входа вернёмся к подтверждению.
booking-gate-not-confirmed = ℹ️ Ваша учётная запись на Госуслугах не подтверждена, а записаться к врачу можно только с подтверждённой. Подтвердите её (в центре обслуживания, через онлайн-банк или Почту России) и войдите снова. Выбирать врача и время можно уже сейчас: выбор сохранится.
booking-gate-under-14 = ℹ️ Записываться к врачу самостоятельно можно с 14 лет. Ребёнка до 14 лет записывает родитель из своей учётной записи («Мои дети»). Посмотреть поликлиники и врачей можно и так.
booking-gate-no-details = ℹ️ Чтобы записаться, заполните свои данные («🪪 Мои данные» ниже): ФИО, дату рождения и полис — один раз. Выбирать врача и время можно уже сейчас: выбор сохранится.

## Короткие пути: записаться снова, своя поликлиника, ближайшее время

booking-btn-again = 🔁 { $specialty }: { $doctor }
booking-again-gone = Этой специальности сейчас нет в поликлинике — выберите другую.
booking-btn-my-clinic = 🏥 { $person }: { $clinic }
booking-soonest-label = ⚡ { $day }, { $time }
booking-link-gone = По ссылке этого врача или специальности сейчас нет — вот поликлиника.
booking-ask-nothing = Не нашёл такого врача или специальности. Напишите, например: «педиатр» или фамилию врача.
booking-ask-whom = Для кого запись?
booking-ask-no-clinic = Не знаю вашу поликлинику: нажмите «Записаться» и выберите её. Потом можно просто написать, например, «педиатр».
booking-btn-soonest-any = ⚡ Ближайший приём
booking-soonest-any-title = <b>{ $specialty }</b>: ближайшее свободное время у всех врачей. Выберите время:
booking-soonest-any-empty = <b>{ $specialty }</b>: свободного времени сейчас нет.
booking-soonest-any-label = { $day } { $time } — { $doctor }
