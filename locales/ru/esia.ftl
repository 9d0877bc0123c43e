## Pages of the bot's HTTP server around the Gosuslugi login, and the demo login page.

page-done-title = Готово — вернитесь в Telegram
page-done-text = Вход через Госуслуги завершён. Результат я уже отправил вам в чат с ботом.
page-cancelled-title = Вход отменён — вернитесь в Telegram
page-cancelled-text = Вы отказались от входа через Госуслуги, ничего не привязано. Попробовать снова можно из чата с ботом.
page-failed-title = Не получилось — вернитесь в Telegram
page-failed-text = Не удалось получить данные с Госуслуг, ничего не привязано. Попробуйте ещё раз из чата с ботом через несколько минут.
page-invalid-title = Ссылка недействительна
page-invalid-text = Эта ссылка для входа устарела или уже использована. Вернитесь в Telegram и нажмите «Войти через Госуслуги» ещё раз.
page-open-telegram = Вернуться в Telegram

demo-title = Госуслуги — демо-вход
demo-badge-page = Демо-режим: тестовый вход, настоящие Госуслуги не используются
demo-intro = Выберите тестового пользователя, под которым войти:
demo-person-confirmed = Подтверждённая учётная запись, двое детей до 14 лет
demo-person-standard = Стандартная учётная запись (не подтверждена)
demo-person-simplified = Упрощённая учётная запись (не подтверждена)
demo-person-teenager = 13 лет
demo-decline = Отказаться от входа
demo-bad-request = Демо-Госуслуги отклонили запрос на вход.
