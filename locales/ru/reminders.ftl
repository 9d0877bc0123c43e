## Reminders before a visit, their buttons, the calendar file, and «Настройки → Напоминания».

reminder-title = 🔔 <b>Напоминание о записи к врачу</b>
reminder-who = Кто: { $person }
reminder-at = Когда: { $when } (время местное)
reminder-doctor = Врач: { $doctor }, { $specialty }
reminder-clinic = Поликлиника: { $clinic }
reminder-address = Адрес: { $address }
reminder-room = Кабинет: { $room }
reminder-phone = Телефон: { $phone }
reminder-when = { $day }, { $date } в { $time }
reminder-day-today = сегодня
reminder-day-tomorrow = завтра
weekday-mon = пн
weekday-tue = вт
weekday-wed = ср
weekday-thu = чт
weekday-fri = пт
weekday-sat = сб
weekday-sun = вс

btn-appointment-cancel = ❌ Отменить запись
btn-appointment-route = 🗺 Как добраться
btn-appointment-calendar = 📅 Добавить в календарь

appointment-not-found = Эта запись не найдена.
appointment-already-cancelled = Эта запись уже отменена.
appointment-cancel-soon = Отмена записи из бота скоро появится. Пока отменить запись можно по телефону поликлиники { $phone }.
appointment-cancel-soon-no-phone = Отмена записи из бота скоро появится. Пока отменить запись можно в поликлинике.
appointment-no-map = Координат поликлиники нет. Адрес: { $address }

ics-summary = Приём у врача: { $specialty }
ics-who = Пациент: { $person }
ics-doctor = Врач: { $doctor }, { $specialty }
ics-room = Кабинет: { $room }
ics-phone = Телефон поликлиники: { $phone }
ics-alarm = Скоро приём у врача: { $specialty }

btn-reminders = 🔔 Напоминания
btn-reminders-on = 🔔 Включить напоминания
btn-reminders-off = 🔕 Выключить напоминания
btn-back-settings = « Настройки
reminders-settings-on = <b>Напоминания о приёме</b>
    Включены: за { $offsets } до приёма.
    Выберите, когда напоминать, или напишите своё время: 3ч, 1д, 30 мин.
reminders-settings-off = <b>Напоминания о приёме</b>
    Выключены: я не буду напоминать о записях.
reminders-saved = Сохранено
offset-hours = { $hours } ч
offset-minutes = { $minutes } мин

## The background sync with the registry: visits booked or cancelled elsewhere.

sync-found-title = 📋 <b>Нашли вашу запись, сделанную не через бота</b>
sync-found-hint = Она добавлена в «Мои записи»; напомню о ней заранее, если напоминания включены.
sync-cancelled-title = ❌ <b>Запись отменена в поликлинике</b>
sync-cancelled-hint = Регистратура больше не показывает эту запись, напоминаний о ней не будет. Если это ошибка, обратитесь в поликлинику.
btn-sync-book-again = 📝 Записаться снова
btn-sync-appointments = 📋 Мои записи
sync-confirmed-hint = Поликлиника не ответила сразу, но запись создана. Она в «Мои записи»; напомню о приёме заранее, если напоминания включены.
sync-not-booked-title = ⚠️ <b>Запись не состоялась</b>
sync-not-booked-hint = Поликлиника не ответила на запрос записи и не показывает эту запись. Выберите время заново — это время может быть уже свободно или занято.
