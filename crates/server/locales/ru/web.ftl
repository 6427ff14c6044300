## Веб-страница Posylka (crates/server/src/web). Ключи сверяет тест с английским файлом.

skip-to-content = Перейти к содержимому
nav-label = Главное меню
nav-parcels = Посылки
nav-add = Добавить посылки
lang-label = Язык
logout = Выйти

login-title = Вход
login-lead = Posylka следит за посылками со всех площадок и подсказывает, когда пора действовать.
login-name = Имя пользователя
login-password = Пароль
login-submit = Войти
login-failed = Неверное имя пользователя или пароль.
login-hint = Нет учётной записи? Администратор сервера создаёт её командой: posylka user add ИМЯ

error-400 = Форма отправлена не так, как ожидалось
error-403 = Срок действия формы истёк
error-404 = Такой страницы или посылки нет
error-500 = Что-то пошло не так
error-help = Вернитесь назад, обновите страницу и попробуйте ещё раз. Если ошибка повторяется, сообщите администратору сервера.
error-home = К посылкам

list-title = Ваши посылки
list-count = { $n ->
    [one] { $n } посылка
    [few] { $n } посылки
   *[many] { $n } посылок
}
list-need-action = { $n ->
    [one] { $n } требует действий
   *[other] { $n } требуют действий
}
list-empty = Посылок пока нет. Вставьте письмо о заказе или трек-номер, чтобы начать.
list-empty-filtered = Нет посылок, подходящих под фильтры.
list-truncated = Показаны только 5000 самых новых посылок. Отправьте в архив те, за которыми больше не нужно следить.
added-notice = { $n ->
    [one] Добавлена { $n } посылка.
    [few] Добавлено { $n } посылки.
   *[many] Добавлено { $n } посылок.
}
sources-down-notice = Сейчас не отвечает: { $sources }. Новые события оттуда появятся, когда источник вернётся; ничего не потеряется.
pages-label = Страницы
page-prev = Назад
page-next = Дальше
page-of = Страница { $page } из { $pages }
filter-label = Фильтры
filter-stage = Этап
filter-stage-all = Все этапы
filter-need = Нужно
filter-need-all = Всё
filter-need-action = Нужны действия
filter-need-attention = Действия или внимание
filter-shop = Площадка
filter-shop-all = Все площадки
filter-show = Показать
filter-show-active = Активные посылки
filter-show-archived = Архив
filter-show-all = Активные и архив
filter-apply = Применить
filter-reset = Сбросить

group-waiting = Ждут первой отметки
group-moving = В пути
group-customs = На таможне
group-collect = Получить или доставить
group-delivered = Вручены
group-trouble = Возвращены, утеряны или повреждены

stage-none = Событий отслеживания пока нет
carrier-unknown = Перевозчик не распознан
order = Заказ
archived = В архиве
due-by = до
more-findings = { $n ->
    [one] и ещё { $n }
   *[other] и ещё { $n }
}
nothing-to-do = Делать ничего не нужно.

severity = { $severity ->
    [action] Нужно действие
    [warning] Внимание
   *[info] К сведению
}

finding-order_number_not_tracking = Это номер заказа, а не трек-номер
finding-invalid_number = Номер похож на ошибочный
finding-domestic_number = Отслеживается только в одной стране
finding-awaiting_first_event = Ждём первой отметки
finding-no_tracking_info = Нет отслеживания: напишите продавцу
finding-suspected_fake_tracking = Номер не движется
finding-stalled = Слишком долго без движения
finding-delivered_elsewhere = Вручена не там
finding-protection_ending = Скоро кончится защита покупателя
finding-open_dispute = Откройте спор
finding-overdue = Просрочена: можно вернуть деньги
finding-customs_data_required = Таможне нужны ваши данные
finding-customs_hold = Задержана таможней
finding-duty_due = Нужно заплатить пошлину
finding-delivery_attempt_failed = Не удалось вручить
finding-available_for_pickup = Ждёт получения
finding-returning_to_sender = Возвращается продавцу
finding-lost = Признана утерянной
finding-delivered = Вручена

rel-today = сегодня
rel-yesterday = вчера
rel-tomorrow = завтра
rel-days-ago = { $n ->
    [one] { $n } день назад
    [few] { $n } дня назад
   *[many] { $n } дней назад
}
rel-in-days = { $n ->
    [one] через { $n } день
    [few] через { $n } дня
   *[many] через { $n } дней
}
days-left = { $n ->
    [one] остался { $n } день
    [few] осталось { $n } дня
   *[many] осталось { $n } дней
}

add-title = Добавить посылки
add-text-label = Вставьте любой текст с трек-номерами
add-text-hint = Письмо о заказе, SMS, скопированную страницу заказа или просто номера. Posylka найдёт номера и покажет, что это за номера, прежде чем что-то добавить.
add-scan = Найти номера
add-found = Найдено в тексте
add-choose-legend = Трек-номера, за которыми следить (каждый — отдельная посылка)
add-written-as = записан как
add-already = Вы уже следите за ним
add-orders-legend = Номера заказов
add-order-flag = Это номер вашего заказа, а не трек-номер. Трек-номер — на странице заказа, прямо над номером заказа.
add-order-attach = Привязать этот заказ к посылкам выше: тогда для них считается защита покупателя.
add-order-none = Не привязывать заказ
add-only-orders = Найдены только номера заказов. Откройте страницу заказа, скопируйте трек-номер над номером заказа и вставьте его сюда.
add-confirm = Следить за отмеченными посылками
add-none-found = В этом тексте не найдено ни трек-номеров, ни номеров заказов.
add-choose = Отметьте хотя бы один трек-номер (не больше 50 за раз).
add-error-invalid = Это не трек-номер.
add-error-order-number = Это номер заказа, а не трек-номер.
add-error-followed = Вы уже следите за этой посылкой.
add-error-in-use = За этим номером уже следят в другой учётной записи (номер можно использовать снова только через 12 месяцев).
problem-check-digit = Контрольная цифра { $found }, а должна быть { $expected }: скорее всего, опечатка. Сверьте номер со страницей заказа.
problem-domestic = { $country ->
    [none] Внутренний номер
   *[other] Внутренний номер страны { $country }
}: отслеживание прекратится, когда посылка покинет страну. Попросите у продавца международный номер.
problem-unknown-country = Похож на международный почтовый номер, но { $code } — не код почтовой страны.
problem-suspicious-serial = Серийный номер 00000000 проходит проверку, но для настоящих посылок не используется.
problem-unknown-format = Ни один известный формат не подходит; возможно, это перевозчик, которого Posylka не знает.

added-title = Посылки добавлены
added-ok = Добавлена
added-open = Открыть
added-more = Добавить ещё

parcel-stage = Этап
parcel-since = Последнее событие:
parcel-protection = Защита покупателя
protection-until = до
protection-ended = Защита покупателя закончилась
protection-unknown = Неизвестно: привяжите заказ при добавлении посылки, чтобы её считать.
parcel-eta = Ожидаемая доставка
eta-likely = скорее всего
eta-none = Оценки нет: посылка пришла, возвращается или утеряна.
parcel-findings = Что делать
draft-label = Текст для отправки (на английском, как требуют площадки)
copy = Скопировать текст
copy-done = Скопировано.
copy-failed = Не удалось скопировать: выделите текст и скопируйте его.
parcel-timeline = История отслеживания
parcel-zone = Время в вашем часовом поясе:
timeline-empty = Событий отслеживания пока нет. Они появляются через 5–14 дней после передачи посылки перевозчику.
timeline-original = Текст перевозчика
parcel-details = Подробности
seller-contacted = Написали продавцу
seller-not-contacted = ещё нет
mark-contacted = Я написал(а) продавцу сегодня
archive = В архив
unarchive = Вернуть из архива
leg-through = Трек-номер
leg-first-mile = Номер в стране отправления
leg-last-mile = Номер в стране назначения

# Уведомления (страница и сообщения).
channels-title = Уведомления
channels-intro = Посылка сообщит, когда посылке нужно внимание: один раз, когда появляется находка или она становится срочнее, и ещё раз перед сроком. Одно и то же сообщение не приходит дважды.
channels-empty = Каналов пока нет: добавьте канал ниже.
channel-kind = Способ
channel-kind-email = Эл. почта
channel-kind-webhook = Вебхук
channel-kind-telegram = Telegram
channel-not-configured = не настроен на этом сервере
channel-enabled = Работает
channel-disabled = Отключён после повторяющихся ошибок { $date }.
channel-disabled-by-user = Отключён { $date }.
channel-disabled-hint = Исправьте приёмник и включите канал снова.
channel-failures = { $n ->
    [one] { $n } неудачная доставка подряд
    [few] { $n } неудачные доставки подряд
   *[other] { $n } неудачных доставок подряд
}
channel-last-error = Последняя ошибка:
channel-enable = Включить снова
channel-delete = Удалить канал
channel-test = Отправить проверочное сообщение
channel-test-ok = Проверочное сообщение доставлено.
channel-test-failed = Проверочное сообщение не доставлено: { $error }
channel-findings = О чём сообщать
channel-all-findings = Обо всём
channel-min-severity = Сообщать начиная с
channel-reminders = Напоминания перед сроком: за { $hours } ч.
channel-no-reminders = Без напоминаний перед сроком.
channel-save = Сохранить
channel-saved = Сохранено.
channel-deleted = Канал удалён.
channel-enabled-notice = Канал снова включён; текущие находки придут в него.
channel-created = Канал добавлен; текущие находки придут в него через минуту.
channel-add = Добавить канал
channel-target = Адрес, URL или чат
channel-target-hint = Адрес эл. почты; URL https:// для вебхука; id чата или @канал для Telegram (бот должен иметь право туда писать).
channel-secret = Секрет вебхука
channel-secret-hint = Только для вебхуков: не меньше 16 символов. Им подписан каждый запрос (X-Posylka-Signature, HMAC-SHA256); хранится зашифрованным и больше не показывается.
channel-label = Название (необязательно)
channel-lang = Язык сообщений
channel-error = Не сохранено: { $error }
nav-notifications = Уведомления
notify-title-appeared = { $number }: { $finding }
notify-title-raised = { $number }: { $finding } ({ $severity })
notify-title-reminder = { $number }: { $finding }, срок { $due }
notify-due = Срок: { $due } (UTC).
notify-test-title = Посылка: проверочное сообщение
notify-test-body = Канал работает: уведомления Посылки будут приходить сюда.
