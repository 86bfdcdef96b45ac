#!/usr/bin/env python3
"""Generate voc's sample survey export and its gold labels (standard library only).

A fictional omnichannel home-goods retailer, "Northwind Home" (web shop, app, stores,
phone line, parcel delivery), runs an NPS survey in four markets: UK/US (English),
Russia (Russian), Poland (Polish) and China (Chinese).

Every comment is assembled from hand-written, native-language clauses, each tied to one
theme of data/seed/themes.yaml and one polarity. The NPS score is then generated *from*
those themes, so the sample has known ("planted") drivers that voc should recover:

* delivery_speed negative  -3.0 (and it becomes much more common in Sep-Oct 2026)
* billing_payments negative -3.5 (double charges)
* delivery_condition negative -2.5, support_quality negative -2.5
* technical_problems negative -2.0 (concentrated in the app channel, with account_login)
* price_value negative -1.0, any other negative -1.2
* staff_attitude positive +1.0, product_quality positive +0.8, any other positive +0.4

Outputs (UTF-8, comma separated, "\\n" line endings, byte-identical on every run):

* sample_feedback.csv: response_id, submitted_at, channel, journey_stage, segment,
  country, nps, comment
* sample_feedback_labels.csv: text, themes, sentiment (voc's labeled-sample format;
  empty and non-text comments are left out)

Usage: python data/make_sample.py [--n 600] [--out-dir data] [--seed 2026]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
from pathlib import Path
from random import Random

SEED = 2026
START = dt.date(2026, 5, 1)
END = dt.date(2026, 10, 31)
LANGS = ("en", "ru", "pl", "zh")
CHANNELS = ("web", "app", "store", "phone")

# ---------------------------------------------------------------------------------------
# Phrase bank: BANK[theme][lang][polarity] -> clauses.
# A clause starting with "S|" is used only in the store channel, "R|" only in the remote
# channels (web, app, phone); untagged clauses are used everywhere.
# Clauses are written lower-case (the sentence builder capitalises them).
# ---------------------------------------------------------------------------------------
BANK: dict[str, dict[str, dict[str, list[str]]]] = {
    "product_quality": {
        "en": {
            "pos": [
                "the sofa is really comfortable and well made",
                "the bedding feels great quality even after several washes",
                "the frying pan is solid and heats evenly",
                "the lamp looks even better than in the photos",
            ],
            "neg": [
                "the chair started wobbling after two weeks",
                "the towels shed fluff everywhere after the first wash",
                "the kettle stopped working within a month",
                "the mugs are flimsy, one cracked straight away",
            ],
            "neu": ["the quality is what you'd expect, nothing special"],
        },
        "ru": {
            "pos": [
                "диван очень удобный и качественно сшит",
                "постельное бельё отличного качества, после стирок как новое",
                "сковорода толстостенная, греется равномерно",
                "лампа вживую ещё красивее, чем на фото",
            ],
            "neg": [
                "стул начал шататься уже через две недели",
                "полотенца после первой же стирки везде оставляют ворс",
                "чайник сломался меньше чем через месяц",
                "кружки хлипкие, одна треснула сразу",
            ],
            "neu": ["качество среднее, ничего особенного"],
        },
        "pl": {
            "pos": [
                "sofa jest bardzo wygodna i porządnie wykonana",
                "pościel jest świetnej jakości, po praniu dalej jak nowa",
                "patelnia jest solidna i równo się nagrzewa",
                "lampa na żywo wygląda jeszcze lepiej niż na zdjęciach",
            ],
            "neg": [
                "krzesło zaczęło się chwiać po dwóch tygodniach",
                "ręczniki po pierwszym praniu gubią mnóstwo kłaczków",
                "czajnik przestał działać po miesiącu",
                "kubki są kiepskiej jakości, jeden od razu pękł",
            ],
            "neu": ["jakość przeciętna, niczym się nie wyróżnia"],
        },
        "zh": {
            "pos": [
                "沙发坐着很舒服，做工也扎实",
                "床品质量很好，洗了几次还跟新的一样",
                "锅很厚实，受热均匀",
                "台灯实物比图片还好看",
            ],
            "neg": [
                "椅子用了两个星期就开始晃了",
                "毛巾第一次洗就掉了很多毛",
                "水壶不到一个月就坏了",
                "杯子质量太差，有一个刚拿到就裂了",
            ],
            "neu": ["质量一般，中规中矩"],
        },
    },
    "price_value": {
        "en": {
            "pos": [
                "prices are fair for what you get",
                "it's great value compared to other shops",
                "the sale prices were genuinely low",
            ],
            "neg": [
                "everything is overpriced compared to other shops",
                "prices have gone up a lot this year",
                "it's way too expensive for what it is",
            ],
            "neu": ["prices are about the same as elsewhere"],
        },
        "ru": {
            "pos": [
                "цены адекватные за такое качество",
                "по сравнению с другими магазинами выходит дешевле",
                "цены на распродаже реально низкие",
            ],
            "neg": [
                "всё слишком дорого по сравнению с конкурентами",
                "цены за этот год сильно выросли",
                "за такие деньги можно найти вещи и получше",
            ],
            "neu": ["цены примерно как везде"],
        },
        "pl": {
            "pos": [
                "ceny są uczciwe jak na tę jakość",
                "wychodzi taniej niż w innych sklepach",
                "stosunek jakości do ceny jest bardzo dobry",
            ],
            "neg": [
                "wszystko jest przepłacone w porównaniu z konkurencją",
                "ceny w tym roku mocno poszły w górę",
                "za te pieniądze można kupić coś lepszego",
            ],
            "neu": ["ceny podobne jak wszędzie"],
        },
        "zh": {
            "pos": ["价格很公道，物有所值", "比别家便宜不少", "性价比很高"],
            "neg": ["东西比别家贵太多了", "今年价格涨得太厉害了", "这个价钱真不值"],
            "neu": ["价格跟别家差不多"],
        },
    },
    "availability": {
        "en": {
            "pos": [
                "they had everything on my list in stock",
                "there's a great range of sizes and colours",
                "there's lots of choice compared to other stores",
            ],
            "neg": [
                "half of the items I wanted were out of stock",
                "the size I need is never available",
                "the range has got much smaller",
            ],
            "neu": ["some items were in stock, others weren't"],
        },
        "ru": {
            "pos": [
                "всё нужное было в наличии",
                "большой выбор размеров и цветов",
                "ассортимент гораздо шире, чем у других",
            ],
            "neg": [
                "половины товаров из моего списка не было в наличии",
                "нужного размера вечно нет",
                "ассортимент сильно сократился",
            ],
            "neu": ["часть товаров была в наличии, часть нет"],
        },
        "pl": {
            "pos": [
                "wszystko, czego szukałam, było dostępne",
                "jest duży wybór rozmiarów i kolorów",
                "asortyment jest dużo szerszy niż w innych sklepach",
            ],
            "neg": [
                "połowy rzeczy z mojej listy nie było na stanie",
                "potrzebnego rozmiaru ciągle brakuje",
                "asortyment mocno się skurczył",
            ],
            "neu": ["część produktów była dostępna, części nie"],
        },
        "zh": {
            "pos": ["想买的东西都有货", "尺寸和颜色选择很多", "品类比别家丰富多了"],
            "neg": ["想买的东西一半都缺货", "我要的尺寸一直没货", "商品种类越来越少了"],
            "neu": ["有的有货，有的没货"],
        },
    },
    "ordering_checkout": {
        "en": {
            "pos": [
                "R|ordering was quick and easy",
                "R|checkout took less than a minute",
                "R|changing my order after placing it was no problem",
            ],
            "neg": [
                "R|the checkout kept emptying my basket",
                "R|I couldn't change the delivery address after ordering",
                "R|my order was cancelled without any explanation",
            ],
            "neu": ["R|I placed the order online"],
        },
        "ru": {
            "pos": [
                "R|оформить заказ было быстро и просто",
                "R|оформление заказа заняло меньше минуты",
                "R|изменить заказ после оформления не составило труда",
            ],
            "neg": [
                "R|корзина постоянно сама очищалась при оформлении",
                "R|после оформления нельзя поменять адрес доставки",
                "R|заказ отменили без всяких объяснений",
            ],
            "neu": ["R|заказ оформляла через сайт"],
        },
        "pl": {
            "pos": [
                "R|zamówienie złożyłem szybko i bez problemu",
                "R|finalizacja zamówienia zajęła mniej niż minutę",
                "R|zmiana zamówienia po jego złożeniu nie była problemem",
            ],
            "neg": [
                "R|koszyk ciągle sam się czyścił przy składaniu zamówienia",
                "R|po złożeniu zamówienia nie da się zmienić adresu dostawy",
                "R|anulowali mi zamówienie bez żadnego wyjaśnienia",
            ],
            "neu": ["R|zamawiałam przez stronę internetową"],
        },
        "zh": {
            "pos": ["R|下单很方便，一会儿就搞定了", "R|结账不到一分钟", "R|下单后改订单也很顺利"],
            "neg": [
                "R|结账的时候购物车老是被清空",
                "R|下单后没法修改收货地址",
                "R|订单莫名其妙被取消了，也没说原因",
            ],
            "neu": ["R|我是在网上下的单"],
        },
    },
    "delivery_speed": {
        "en": {
            "pos": [
                "delivery was faster than promised",
                "the parcel arrived the next day",
                "the courier came right on time",
            ],
            "neg": [
                "the parcel arrived a week late",
                "delivery took almost three weeks",
                "the delivery date kept being pushed back",
            ],
            "neu": ["delivery took the usual three days"],
        },
        "ru": {
            "pos": [
                "доставили быстрее, чем обещали",
                "посылка пришла уже на следующий день",
                "курьер приехал точно ко времени",
            ],
            "neg": [
                "посылка пришла на неделю позже",
                "доставка заняла почти три недели",
                "дату доставки всё время переносили",
            ],
            "neu": ["доставка заняла обычные три дня"],
        },
        "pl": {
            "pos": [
                "dostawa była szybsza, niż obiecywali",
                "paczka przyszła już następnego dnia",
                "kurier przyjechał punktualnie",
            ],
            "neg": [
                "paczka przyszła tydzień po terminie",
                "na dostawę czekałem prawie trzy tygodnie",
                "termin dostawy ciągle przesuwano",
            ],
            "neu": ["dostawa trwała standardowo trzy dni"],
        },
        "zh": {
            "pos": ["比承诺的时间送得还快", "第二天就收到了", "快递员准时送到"],
            "neg": ["快递晚了一个星期才到", "等了快三个星期才送到", "送货日期一拖再拖"],
            "neu": ["正常三天送到"],
        },
    },
    "delivery_condition": {
        "en": {
            "pos": [
                "everything arrived well packed and undamaged",
                "the packaging was sturdy and nothing was broken",
                "the driver carried the boxes in carefully",
            ],
            "neg": [
                "the box was crushed and two plates were broken",
                "the table arrived with a deep scratch",
                "one of the parts was missing from the box",
            ],
        },
        "ru": {
            "pos": [
                "всё упаковано на совесть, ничего не повреждено",
                "упаковка крепкая, всё доехало целым",
                "коробки занесли аккуратно",
            ],
            "neg": [
                "коробка была смята, две тарелки разбиты",
                "стол приехал с глубокой царапиной",
                "в коробке не хватало одной детали",
            ],
        },
        "pl": {
            "pos": [
                "wszystko było dobrze zapakowane i całe",
                "opakowanie było solidne, nic się nie zbiło",
                "kurier ostrożnie wniósł kartony",
            ],
            "neg": [
                "karton był zgnieciony, a dwa talerze rozbite",
                "stół przyjechał z głęboką rysą",
                "w paczce brakowało jednej części",
            ],
        },
        "zh": {
            "pos": ["包装很严实，东西完好无损", "包装结实，一点没磕碰", "师傅搬箱子很小心"],
            "neg": [
                "箱子被压扁了，碎了两个盘子",
                "桌子送来就有一道很深的划痕",
                "箱子里少了一个零件",
            ],
        },
    },
    "returns_refunds": {
        "en": {
            "pos": [
                "returning the chair was quick and painless",
                "the refund was back on my card within three days",
                "they swapped the faulty lamp without any questions",
            ],
            "neg": [
                "I'm still waiting for my refund after a month",
                "returning a large item is a nightmare",
                "they refused to take back an unopened item",
            ],
            "neu": ["I returned one item"],
        },
        "ru": {
            "pos": [
                "вернуть стул получилось быстро и без нервов",
                "деньги вернули на карту за три дня",
                "бракованную лампу обменяли без лишних вопросов",
            ],
            "neg": [
                "возврат денег жду уже месяц",
                "вернуть крупный товар — это целый квест",
                "отказались принять нераспакованный товар",
            ],
            "neu": ["один товар я вернула"],
        },
        "pl": {
            "pos": [
                "zwrot krzesła poszedł szybko i bezboleśnie",
                "pieniądze wróciły na kartę w trzy dni",
                "wadliwą lampę wymienili bez zbędnych pytań",
            ],
            "neg": [
                "na zwrot pieniędzy czekam już miesiąc",
                "zwrot dużego mebla to koszmar",
                "odmówili przyjęcia zwrotu nieotwartego produktu",
            ],
            "neu": ["jedną rzecz oddałam"],
        },
        "zh": {
            "pos": [
                "退货很快，一点都不麻烦",
                "三天就退款到卡上了",
                "有问题的台灯直接给换了，什么都没多问",
            ],
            "neg": ["退款等了一个月还没到", "大件退货简直是噩梦", "没拆封的东西都不给退"],
            "neu": ["退了一件东西"],
        },
    },
    "billing_payments": {
        "en": {
            "pos": [
                "paying by card or PayPal was easy",
                "the invoice was clear and correct",
                "splitting the payment into instalments was really handy",
            ],
            "neg": [
                "I was charged twice for the same order",
                "my card was declined even though it works everywhere else",
                "there was an unexpected extra charge on my statement",
                "they took the money twice and only refunded one payment",
            ],
            "neu": ["I paid by card"],
        },
        "ru": {
            "pos": [
                "удобно, что можно оплатить картой или через СБП",
                "чек и счёт пришли сразу, всё понятно",
                "рассрочка без переплат очень выручила",
            ],
            "neg": [
                "с карты списали деньги дважды за один заказ",
                "карту отклонили, хотя везде она работает",
                "в выписке нашла непонятное дополнительное списание",
                "деньги сняли два раза, а вернули только один платёж",
            ],
            "neu": ["оплачивал картой"],
        },
        "pl": {
            "pos": [
                "płatność BLIKiem przeszła bez problemu",
                "faktura przyszła od razu i wszystko się zgadzało",
                "możliwość rozłożenia płatności na raty bardzo się przydała",
            ],
            "neg": [
                "pobrali mi pieniądze dwa razy za to samo zamówienie",
                "karta została odrzucona, choć wszędzie indziej działa",
                "na wyciągu pojawiła się dodatkowa, niezrozumiała opłata",
                "obciążyli kartę podwójnie i oddali tylko jedną płatność",
            ],
            "neu": ["płaciłem kartą"],
        },
        "zh": {
            "pos": [
                "支付宝和微信支付都能用，很方便",
                "发票开得很快，信息也都对",
                "可以分期付款，挺方便的",
            ],
            "neg": [
                "同一个订单被扣了两次钱",
                "银行卡一直支付失败，别的地方都能用",
                "账单里多了一笔莫名其妙的费用",
                "重复扣款了，只退回来一笔",
            ],
            "neu": ["用信用卡付的款"],
        },
    },
    "support_quality": {
        "en": {
            "pos": [
                "customer service sorted out my problem on the first call",
                "the support team actually fixed the issue",
                "my question was answered clearly and fully",
            ],
            "neg": [
                "customer service couldn't solve anything",
                "I had to explain the same problem three times",
                "the chat just sent me canned replies",
            ],
        },
        "ru": {
            "pos": [
                "служба поддержки решила вопрос с первого звонка",
                "в поддержке реально разобрались и всё исправили",
                "на мой вопрос ответили чётко и по делу",
            ],
            "neg": [
                "поддержка так ничего и не решила",
                "одну и ту же проблему пришлось объяснять три раза",
                "в чате отвечают шаблонными фразами",
            ],
        },
        "pl": {
            "pos": [
                "obsługa klienta rozwiązała problem przy pierwszym telefonie",
                "konsultant faktycznie załatwił sprawę do końca",
                "dostałem jasną i konkretną odpowiedź na pytanie",
            ],
            "neg": [
                "biuro obsługi klienta niczego nie załatwiło",
                "ten sam problem musiałam tłumaczyć trzy razy",
                "na czacie odpowiadają gotowymi formułkami",
            ],
        },
        "zh": {
            "pos": [
                "客服一次就帮我把问题解决了",
                "售后真的把问题处理好了",
                "客服回答得很清楚，很专业",
            ],
            "neg": ["客服什么问题都解决不了", "同一个问题我解释了三遍", "在线客服只会发模板回复"],
        },
    },
    "staff_attitude": {
        "en": {
            "pos": [
                "the staff were really friendly and helpful",
                "everyone was polite and cheerful",
                "S|the lady at the till was lovely",
                "R|the agent on the phone was very patient with me",
            ],
            "neg": [
                "the staff were rude and clearly didn't want to help",
                "I was spoken to like an idiot",
                "S|the sales assistants ignored us completely",
                "R|the agent was dismissive and hung up on me",
            ],
        },
        "ru": {
            "pos": [
                "персонал очень доброжелательный",
                "все вежливые и приветливые",
                "S|кассир была очень милая",
                "R|оператор очень терпеливо со мной разговаривал",
            ],
            "neg": [
                "персонал хамит и явно не хочет помогать",
                "со мной разговаривали как с дурочкой",
                "S|консультанты нас полностью игнорировали",
                "R|оператор разговаривал свысока и бросил трубку",
            ],
        },
        "pl": {
            "pos": [
                "obsługa była bardzo miła i pomocna",
                "wszyscy byli uprzejmi i uśmiechnięci",
                "S|pani przy kasie była przesympatyczna",
                "R|konsultantka przez telefon była bardzo cierpliwa",
            ],
            "neg": [
                "obsługa była niegrzeczna i widać było, że nie chce pomóc",
                "potraktowano mnie jak idiotę",
                "S|sprzedawcy kompletnie nas ignorowali",
                "R|konsultant był opryskliwy i się rozłączył",
            ],
        },
        "zh": {
            "pos": [
                "工作人员态度特别好",
                "每个人都很热情有礼貌",
                "S|收银员小姐姐很亲切",
                "R|电话客服很有耐心",
            ],
            "neg": [
                "工作人员态度很差，爱答不理",
                "说话很不客气，把我当傻子",
                "S|店员完全不理我们",
                "R|客服态度很冲，还直接挂了我电话",
            ],
        },
    },
    "waiting_time": {
        "en": {
            "pos": [
                "there was no waiting at all",
                "S|there was hardly any queue at the tills",
                "S|the self-checkouts were quick",
                "R|I got through to someone within a minute",
                "R|the chat replied almost instantly",
            ],
            "neg": [
                "the wait was far too long",
                "S|the queue at the checkout was ridiculous",
                "S|only one till was open and we waited 20 minutes",
                "R|I was on hold for 40 minutes",
                "R|it took them five days to reply to my email",
            ],
        },
        "ru": {
            "pos": [
                "ждать вообще не пришлось",
                "S|очередей на кассах почти не было",
                "S|на кассах самообслуживания всё быстро",
                "R|дозвонилась до оператора за минуту",
                "R|в чате ответили почти мгновенно",
            ],
            "neg": [
                "ждать пришлось слишком долго",
                "S|очередь на кассу была просто огромная",
                "S|работала одна касса, простояли минут двадцать",
                "R|на линии провисела 40 минут",
                "R|на письмо отвечали пять дней",
            ],
        },
        "pl": {
            "pos": [
                "w ogóle nie trzeba było czekać",
                "S|przy kasach prawie nie było kolejki",
                "S|kasy samoobsługowe działały sprawnie",
                "R|dodzwoniłem się do konsultanta w minutę",
                "R|na czacie odpisali niemal od razu",
            ],
            "neg": [
                "czekanie trwało zdecydowanie za długo",
                "S|kolejka do kasy była absurdalna",
                "S|czynna była tylko jedna kasa i staliśmy 20 minut",
                "R|wisiałam na linii 40 minut",
                "R|na maila odpisali dopiero po pięciu dniach",
            ],
        },
        "zh": {
            "pos": [
                "完全不用等",
                "S|收银台几乎不用排队",
                "S|自助收银很快",
                "R|电话一分钟就打通了",
                "R|在线客服几乎秒回",
            ],
            "neg": [
                "等的时间太长了",
                "S|收银台排队排得太夸张了",
                "S|只开了一个收银台，排了二十分钟",
                "R|电话等了四十分钟才接通",
                "R|发邮件五天才回复",
            ],
        },
    },
    "website_app_usability": {
        "en": {
            "pos": [
                "the app is simple and it's easy to find things",
                "the website search actually finds what I'm looking for",
                "the filters make it easy to compare products",
            ],
            "neg": [
                "the website is cluttered and confusing",
                "I couldn't find the delivery options anywhere in the app",
                "the search results are completely irrelevant",
            ],
            "neu": ["I mostly use the app"],
        },
        "ru": {
            "pos": [
                "приложение простое, всё легко найти",
                "поиск на сайте реально находит то, что нужно",
                "с фильтрами удобно сравнивать товары",
            ],
            "neg": [
                "сайт перегружен, ничего не понятно",
                "в приложении так и не нашла, где выбрать способ доставки",
                "поиск выдаёт что угодно, только не то, что ищешь",
            ],
            "neu": ["обычно захожу через приложение"],
        },
        "pl": {
            "pos": [
                "aplikacja jest prosta i wszystko łatwo znaleźć",
                "wyszukiwarka na stronie naprawdę znajduje to, czego szukam",
                "dzięki filtrom łatwo porównać produkty",
            ],
            "neg": [
                "strona jest przeładowana i nieczytelna",
                "w aplikacji nie mogłam znaleźć opcji dostawy",
                "wyszukiwarka pokazuje kompletnie nie to, co trzeba",
            ],
            "neu": ["zwykle korzystam z aplikacji"],
        },
        "zh": {
            "pos": [
                "APP界面简洁，找东西很方便",
                "网站搜索很准，想要的一搜就有",
                "筛选功能很好用，比较商品很方便",
            ],
            "neg": [
                "网站页面太乱了，看不明白",
                "在APP里找半天都找不到在哪选配送方式",
                "搜索结果完全不相关",
            ],
            "neu": ["我平时都用APP买"],
        },
    },
    "technical_problems": {
        "en": {
            "pos": [
                "the new app version is much more stable",
                "the app hasn't crashed once since the update",
                "the website runs smoothly even during the sales",
            ],
            "neg": [
                "the app crashes every time I open the basket",
                "the payment page froze and I had to start again",
                "the website was down for most of the evening",
                "I kept getting an error message at checkout",
            ],
        },
        "ru": {
            "pos": [
                "новая версия приложения работает намного стабильнее",
                "после обновления приложение ни разу не вылетело",
                "сайт работает без сбоев даже в распродажи",
            ],
            "neg": [
                "приложение вылетает каждый раз, когда открываю корзину",
                "страница оплаты зависла, пришлось начинать заново",
                "сайт весь вечер не открывался",
                "при оформлении постоянно выскакивала ошибка",
            ],
        },
        "pl": {
            "pos": [
                "nowa wersja aplikacji działa dużo stabilniej",
                "od aktualizacji aplikacja ani razu się nie wysypała",
                "strona działa bez zarzutu nawet w czasie wyprzedaży",
            ],
            "neg": [
                "aplikacja wywala się za każdym razem, gdy otwieram koszyk",
                "strona płatności się zawiesiła i musiałem zaczynać od nowa",
                "strona nie działała przez cały wieczór",
                "przy składaniu zamówienia ciągle wyskakiwał błąd",
            ],
        },
        "zh": {
            "pos": ["新版APP稳定多了", "更新之后APP一次都没闪退过", "大促的时候网站也不卡"],
            "neg": [
                "一打开购物车APP就闪退",
                "支付页面卡死了，只能重新下单",
                "网站一晚上都打不开",
                "下单的时候一直报错",
            ],
        },
    },
    "account_login": {
        "en": {
            "pos": [
                "logging in with my fingerprint is really convenient",
                "resetting my password took seconds",
                "setting up an account was quick",
            ],
            "neg": [
                "I can't log in, the verification code never arrives",
                "the app logs me out every few minutes",
                "my account got locked for no reason",
            ],
        },
        "ru": {
            "pos": [
                "вход по отпечатку пальца очень удобный",
                "пароль восстановила за пару секунд",
                "зарегистрироваться получилось быстро",
            ],
            "neg": [
                "не могу войти, код подтверждения так и не приходит",
                "приложение каждые пару минут выкидывает из аккаунта",
                "аккаунт заблокировали без причины",
            ],
        },
        "pl": {
            "pos": [
                "logowanie odciskiem palca jest bardzo wygodne",
                "reset hasła zajął dosłownie chwilę",
                "założenie konta poszło szybko",
            ],
            "neg": [
                "nie mogę się zalogować, bo kod weryfikacyjny w ogóle nie przychodzi",
                "aplikacja co kilka minut mnie wylogowuje",
                "zablokowali mi konto bez powodu",
            ],
        },
        "zh": {
            "pos": ["指纹登录很方便", "重置密码几秒钟就好了", "注册账号很快"],
            "neg": ["登录不了，验证码一直收不到", "APP隔几分钟就把我踢下线", "账号莫名其妙被封了"],
        },
    },
    "store_environment": {
        "en": {
            "pos": [
                "S|the store is bright, clean and nicely laid out",
                "S|the showroom makes it easy to picture things at home",
                "S|the store was tidy and calm",
            ],
            "neg": [
                "S|the store was a mess with boxes blocking the aisles",
                "S|it was far too stuffy inside and the music was loud",
                "S|the toilets were dirty",
            ],
        },
        "ru": {
            "pos": [
                "S|в магазине светло, чисто и всё удобно расставлено",
                "S|в шоуруме легко представить, как вещи будут смотреться дома",
                "S|в магазине был порядок и спокойно",
            ],
            "neg": [
                "S|в магазине бардак, проходы заставлены коробками",
                "S|внутри очень душно и громко играет музыка",
                "S|в туалете было грязно",
            ],
        },
        "pl": {
            "pos": [
                "S|sklep jest jasny, czysty i dobrze rozplanowany",
                "S|w salonie łatwo sobie wyobrazić, jak rzeczy będą wyglądać w domu",
                "S|w sklepie panował porządek i spokój",
            ],
            "neg": [
                "S|w sklepie był bałagan, a kartony blokowały alejki",
                "S|w środku było duszno, a muzyka grała za głośno",
                "S|toalety były brudne",
            ],
        },
        "zh": {
            "pos": [
                "S|门店明亮干净，布置得很舒服",
                "S|样板间很直观，容易想象放在家里的样子",
                "S|店里很整洁，也不吵",
            ],
            "neg": ["S|店里很乱，过道都被箱子堵住了", "S|店里太闷了，音乐还特别吵", "S|洗手间很脏"],
        },
    },
    "loyalty_promotions": {
        "en": {
            "pos": [
                "the loyalty points add up quickly",
                "the member discount made a real difference",
                "the birthday voucher was a nice touch",
            ],
            "neg": [
                "my discount code didn't work at checkout",
                "the points from my last order never showed up",
                "the promotion ended a day early without warning",
            ],
            "neu": ["I used my loyalty card"],
        },
        "ru": {
            "pos": [
                "баллы по карте лояльности копятся быстро",
                "скидка для участников программы реально ощутимая",
                "приятно, что на день рождения прислали купон",
            ],
            "neg": [
                "промокод не сработал при оформлении",
                "баллы за прошлый заказ так и не начислили",
                "акцию закончили на день раньше без предупреждения",
            ],
            "neu": ["пользовалась картой лояльности"],
        },
        "pl": {
            "pos": [
                "punkty w programie lojalnościowym szybko się zbierają",
                "rabat dla członków klubu to realna oszczędność",
                "miło, że na urodziny dostałam kupon",
            ],
            "neg": [
                "kod rabatowy nie zadziałał przy płatności",
                "punkty za ostatnie zamówienie w ogóle nie zostały naliczone",
                "promocję zakończyli dzień wcześniej bez uprzedzenia",
            ],
            "neu": ["skorzystałam z karty lojalnościowej"],
        },
        "zh": {
            "pos": ["会员积分攒得很快", "会员折扣力度挺大的", "生日还送了优惠券，很贴心"],
            "neg": [
                "优惠码结账时用不了",
                "上次订单的积分一直没到账",
                "活动提前一天结束了，也没通知",
            ],
            "neu": ["用了会员卡"],
        },
    },
    "communication": {
        "en": {
            "pos": [
                "I got clear text updates at every step",
                "they let me know about the delay in advance",
                "the tracking emails were accurate and timely",
            ],
            "neg": [
                "nobody told me the order was delayed",
                "the tracking page showed no updates for days",
                "I got three different answers from three different people",
            ],
        },
        "ru": {
            "pos": [
                "на каждом этапе приходили понятные СМС",
                "о задержке предупредили заранее",
                "уведомления о статусе заказа приходили вовремя",
            ],
            "neg": [
                "о том, что заказ задерживается, никто не сообщил",
                "статус заказа несколько дней не обновлялся",
                "три разных сотрудника дали три разных ответа",
            ],
        },
        "pl": {
            "pos": [
                "na każdym etapie dostawałam jasne SMS-y",
                "o opóźnieniu poinformowali mnie z wyprzedzeniem",
                "maile ze statusem przesyłki przychodziły na bieżąco",
            ],
            "neg": [
                "nikt mnie nie poinformował, że zamówienie się opóźni",
                "status przesyłki przez kilka dni się nie zmieniał",
                "od trzech osób dostałem trzy różne odpowiedzi",
            ],
        },
        "zh": {
            "pos": ["每一步都有短信通知，很清楚", "发货延迟提前通知了我", "物流信息更新得很及时"],
            "neg": [
                "订单延迟了也没人通知我",
                "物流信息好几天都不更新",
                "问了三个人，给了三个不同的说法",
            ],
        },
    },
}

# General closers (not tied to a theme), by the comment's overall sentiment.
CLOSERS = {
    "en": {
        "positive": [
            "Overall happy.",
            "Will shop again.",
            "Would recommend.",
            "Thanks!",
            "Keep it up.",
        ],
        "negative": [
            "Won't be ordering again.",
            "Very disappointed.",
            "Sort it out please.",
            "Not impressed.",
        ],
        "mixed": ["Mixed experience overall.", "Could be better.", "Overall it was okay."],
        "neutral": ["That's all."],
    },
    "ru": {
        "positive": ["В целом доволен.", "Буду заказывать ещё.", "Рекомендую!", "Спасибо!"],
        "negative": [
            "Больше не закажу.",
            "Очень разочарована.",
            "Разберитесь, пожалуйста.",
            "Не советую.",
        ],
        "mixed": ["В целом нормально.", "Есть над чем поработать.", "Впечатления смешанные."],
        "neutral": ["Как-то так."],
    },
    "pl": {
        "positive": [
            "Ogólnie jestem zadowolony.",
            "Na pewno zamówię ponownie.",
            "Polecam!",
            "Dziękuję!",
        ],
        "negative": [
            "Więcej nie zamówię.",
            "Jestem bardzo rozczarowana.",
            "Nie polecam.",
            "Proszę coś z tym zrobić.",
        ],
        "mixed": ["Ogólnie może być.", "Jest nad czym pracować.", "Mam mieszane uczucia."],
        "neutral": ["Tyle ode mnie."],
    },
    "zh": {
        "positive": ["总体很满意。", "还会再来买。", "推荐！", "谢谢！"],
        "negative": ["不会再买了。", "太失望了。", "不推荐。", "希望尽快改进。"],
        "mixed": ["总体还行。", "还有改进空间。", "感受比较复杂。"],
        "neutral": ["就这些。"],
    },
}

# One-word answers: (text, overall sentiment).
ONE_WORD = {
    "en": [
        ("ok", "neutral"),
        ("fine", "neutral"),
        ("good", "positive"),
        ("great", "positive"),
        ("meh", "neutral"),
        ("bad", "negative"),
        ("no complaints", "positive"),
    ],
    "ru": [
        ("норм", "neutral"),
        ("ок", "neutral"),
        ("отлично", "positive"),
        ("ужас", "negative"),
        ("нормально", "neutral"),
    ],
    "pl": [
        ("spoko", "neutral"),
        ("ok", "neutral"),
        ("super", "positive"),
        ("masakra", "negative"),
        ("bez zarzutu", "positive"),
    ],
    "zh": [
        ("还行", "neutral"),
        ("不错", "positive"),
        ("一般", "neutral"),
        ("差评", "negative"),
        ("挺好的", "positive"),
    ],
}
NON_TEXT = ["-", "n/a", "...", ".", "N/A", "--", "?"]
EMOJI = {
    "positive": ["👍", "😊", "🙂", "❤️"],
    "negative": ["😡", "👎", "😤", "🙄"],
    "mixed": ["🤷", "😐"],
    "neutral": ["🙂"],
}

# Joining words.
CONTRAST_IN = {
    "en": [", but ", ", but ", ", though "],
    "ru": [", но ", ", но ", ", однако "],
    "pl": [", ale ", ", ale ", ", jednak "],
    "zh": ["，但是", "，不过", "，可是"],
}
CONTRAST_START = {
    "en": ["But ", "However, "],
    "ru": ["Но ", "Однако "],
    "pl": ["Ale ", "Jednak "],
    "zh": ["但是", "不过"],
}
ADD_IN = {
    "en": [" and ", " and ", ", and "],
    "ru": [", и ", ", и ", ", а "],
    "pl": [" i ", ", a ", " i "],
    "zh": ["，", "，", "，而且"],
}
ADD_START = {
    "en": ["", "", "Also, "],
    "ru": ["", "", "Кроме того, "],
    "pl": ["", "", "Poza tym "],
    "zh": ["", "", "另外"],
}
SENT_END = {"en": ".", "ru": ".", "pl": ".", "zh": "。"}

# US spelling / wording for English comments from the US.
US_WORDS = {
    "colours": "colors",
    "tills": "registers",
    "till": "register",
    "queue": "line",
    "instalments": "installments",
    "Sort it out please.": "Please fix this.",
}
EN_TYPOS = {
    "received": "recieved",
    "delivery": "delivary",
    "really": "realy",
    "because": "becuase",
    "arrived": "arived",
    "quality": "qaulity",
    "order": "oder",
    "waiting": "wating",
    "definitely": "definately",
    "the": "teh",
    "disappointed": "dissapointed",
    "customer": "custumer",
}
PL_PLAIN = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")

# ---------------------------------------------------------------------------------------
# Planted drivers and theme frequencies.
# ---------------------------------------------------------------------------------------
BASE_NPS = 8.2
NOISE_SD = 1.2
NEG_EFFECT = {
    "delivery_speed": -3.0,
    "delivery_condition": -2.5,
    "billing_payments": -3.5,
    "support_quality": -2.5,
    "technical_problems": -2.0,
    "price_value": -1.0,
}
POS_EFFECT = {"staff_attitude": 1.0, "product_quality": 0.8}
OTHER_NEG, OTHER_POS = -1.2, 0.4

# theme -> (base weight, probability that a mention is negative)
THEME_BASE = {
    "product_quality": (1.0, 0.35),
    "price_value": (0.8, 0.45),
    "availability": (0.6, 0.5),
    "ordering_checkout": (0.5, 0.4),
    "delivery_speed": (1.0, 0.45),
    "delivery_condition": (0.6, 0.55),
    "returns_refunds": (0.5, 0.5),
    "billing_payments": (0.4, 0.65),
    "support_quality": (0.7, 0.5),
    "staff_attitude": (0.7, 0.3),
    "waiting_time": (0.5, 0.6),
    "website_app_usability": (0.5, 0.4),
    "technical_problems": (0.4, 0.75),
    "account_login": (0.3, 0.7),
    "store_environment": (0.5, 0.3),
    "loyalty_promotions": (0.4, 0.4),
    "communication": (0.5, 0.6),
}
CHANNEL_MULT = {
    "web": {
        "ordering_checkout": 1.5,
        "website_app_usability": 1.5,
        "account_login": 0.8,
        "delivery_speed": 1.3,
        "delivery_condition": 1.3,
        "waiting_time": 0.5,
        "staff_attitude": 0.5,
        "store_environment": 0.0,
    },
    "app": {
        "technical_problems": 3.5,
        "account_login": 3.5,
        "website_app_usability": 2.0,
        "ordering_checkout": 1.3,
        "loyalty_promotions": 1.5,
        "waiting_time": 0.4,
        "staff_attitude": 0.4,
        "store_environment": 0.0,
    },
    "store": {
        "store_environment": 2.5,
        "staff_attitude": 2.0,
        "waiting_time": 1.6,
        "availability": 1.5,
        "product_quality": 1.2,
        "price_value": 1.2,
        "delivery_speed": 0.0,
        "delivery_condition": 0.0,
        "communication": 0.0,
        "ordering_checkout": 0.0,
        "website_app_usability": 0.0,
        "technical_problems": 0.0,
        "account_login": 0.0,
        "support_quality": 0.4,
        "returns_refunds": 0.8,
        "billing_payments": 0.5,
    },
    "phone": {
        "support_quality": 3.0,
        "waiting_time": 2.5,
        "staff_attitude": 1.5,
        "billing_payments": 2.0,
        "returns_refunds": 2.0,
        "communication": 1.5,
        "delivery_speed": 1.2,
        "website_app_usability": 0.3,
        "technical_problems": 0.5,
        "account_login": 0.8,
        "ordering_checkout": 0.6,
        "availability": 0.4,
        "product_quality": 0.6,
        "price_value": 0.5,
        "store_environment": 0.0,
    },
}
# Combinations that would contradict each other inside one comment.
CONFLICTS = {
    (("delivery_speed", "pos"), ("communication", "neg")),
    (("communication", "pos"), ("delivery_speed", "pos")),
    (("technical_problems", "pos"), ("website_app_usability", "neg")),
}


def theme_weight(theme: str, channel: str, segment: str, late: bool) -> tuple[float, float]:
    """Return (weight, P(negative)) of a theme for one response."""
    w, pneg = THEME_BASE[theme]
    w *= CHANNEL_MULT[channel].get(theme, 1.0)
    if segment == "business" and theme == "billing_payments":
        w *= 1.8
    if late and theme == "delivery_speed":  # the rising issue of Sep-Oct 2026
        w *= 1.8
        pneg = 0.8
    return w, pneg


def weighted_pick(rng: Random, items: list, weights: list[float]):
    total = sum(weights)
    r = rng.random() * total
    acc = 0.0
    for item, w in zip(items, weights, strict=True):
        acc += w
        if r < acc:
            return item
    return items[-1]


def pick_theme(rng: Random, pol: str, ctx: dict, taken: list[str], lang: str) -> str | None:
    items, weights = [], []
    for theme in BANK:
        if theme in taken:
            continue
        if pol not in BANK[theme][lang] or not phrases(theme, lang, pol, ctx["channel"]):
            continue
        w, pneg = theme_weight(theme, ctx["channel"], ctx["segment"], ctx["late"])
        if pol == "neg":
            w *= pneg
        elif pol == "pos":
            w *= 1.0 - pneg
        if w > 0:
            items.append(theme)
            weights.append(w)
    return weighted_pick(rng, items, weights) if items else None


def phrases(theme: str, lang: str, pol: str, channel: str) -> list[str]:
    out = []
    for p in BANK[theme][lang].get(pol, []):
        if p.startswith("S|"):
            if channel == "store":
                out.append(p[2:])
        elif p.startswith("R|"):
            if channel != "store":
                out.append(p[2:])
        else:
            out.append(p)
    return out


def journey_stage(theme: str | None, channel: str) -> str:
    if theme == "returns_refunds":
        return "returns"
    if theme in ("delivery_speed", "delivery_condition", "communication"):
        return "delivery"
    if theme == "support_quality":
        return "support"
    if channel == "store":
        return "in-store"
    if channel == "phone":
        return "support"
    if theme == "waiting_time":
        return "support"
    return "purchase"


def has_conflict(chosen: list[tuple[str, str]]) -> bool:
    s = set(chosen)
    return any(a in s and b in s for a, b in CONFLICTS)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def assemble(clauses: list[tuple[str, str]], lang: str, rng: Random) -> str:
    """Join (clause, polarity) pairs into natural sentences."""
    sentences: list[str] = []
    cur = clauses[0][0]
    used_and = False
    last_pol = clauses[0][1] if clauses[0][1] != "neu" else None
    prev_pol = clauses[0][1]
    for text, pol in clauses[1:]:
        contrast = last_pol is not None and pol != "neu" and pol != last_pol
        new_sentence = rng.random() < 0.3 or (not contrast and used_and)
        add = rng.choice(ADD_IN[lang])
        if pol == "neu" or prev_pol == "neu":
            add = ADD_IN[lang][0]  # plain "and" next to a neutral mention
        word = add.strip(" ,，")
        if not contrast and word and (f" {word} " in f" {cur} " or f" {word} " in f" {text} "):
            new_sentence = True  # avoid "A and B and C" / "A, a B, a C"
        if contrast:
            if new_sentence:
                sentences.append(cur)
                cur = rng.choice(CONTRAST_START[lang]) + text
            else:
                cur += rng.choice(CONTRAST_IN[lang]) + text
            used_and = False
        else:
            if new_sentence:
                sentences.append(cur)
                start = rng.choice(ADD_START[lang])
                if start and any(start in x for x in sentences):
                    start = ""  # no "Also, ... Also, ..."
                cur = start + text
                used_and = False
            else:
                cur += add + text
                used_and = True
        if pol != "neu":
            last_pol = pol
        prev_pol = pol
    sentences.append(cur)
    if lang == "zh":
        return "".join(s + "。" for s in sentences)
    return " ".join(cap(s) + SENT_END[lang] for s in sentences)


def us_english(text: str) -> str:
    for uk, us in US_WORDS.items():
        text = re.sub(r"\b" + re.escape(uk) + r"(?!\w)", us, text)
    return text


def add_typo(text: str, lang: str, rng: Random) -> str:
    if lang == "zh":
        return text
    if lang == "en":
        present = [w for w in EN_TYPOS if re.search(rf"\b{w}\b", text)]
        if present:
            w = rng.choice(present)
            return re.sub(rf"\b{w}\b", EN_TYPOS[w], text, count=1)
    words = [m for m in re.finditer(r"\w{5,}", text)]
    if not words:
        return text
    m = rng.choice(words)
    i = m.start() + rng.randrange(1, len(m.group()) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def overall_sentiment(pols: list[str]) -> str:
    has_pos, has_neg = "pos" in pols, "neg" in pols
    if has_pos and has_neg:
        return "mixed"
    if has_pos:
        return "positive"
    if has_neg:
        return "negative"
    return "neutral"


def nps_score(rng: Random, labels: list[tuple[str, str]], word_sentiment: str | None) -> int:
    score = BASE_NPS
    for theme, pol in labels:
        if pol == "neg":
            score += NEG_EFFECT.get(theme, OTHER_NEG)
        elif pol == "pos":
            score += POS_EFFECT.get(theme, OTHER_POS)
    if word_sentiment == "positive":
        score += 0.5
    elif word_sentiment == "negative":
        score -= 3.0
    score += rng.gauss(0.0, NOISE_SD)
    return max(0, min(10, int(round(score))))


POL_NAME = {"pos": "positive", "neg": "negative", "neu": "neutral"}


def make_comment(rng: Random, lang: str, ctx: dict) -> tuple[str, list[tuple[str, str]], str]:
    """Return (comment, [(theme, pol)], overall sentiment) for a themed comment."""
    r = rng.random()
    late = ctx["late"]
    p_mixed, p_pos = 0.28, (0.35 if late else 0.39)
    if r < p_mixed:
        kind = "mixed"
    elif r < p_mixed + p_pos:
        kind = "pos"
    elif r < 0.98:
        kind = "neg"
    else:
        kind = "neu"
    k = weighted_pick(rng, [1, 2, 3, 4], [0.45, 0.35, 0.15, 0.05])
    if kind == "mixed":
        k = max(k, 2)
        pols = ["pos", "neg"] + ["pos" if rng.random() < 0.5 else "neg" for _ in range(k - 2)]
        rng.shuffle(pols)
    elif kind == "neu":
        pols = ["neu"] * min(k, 2)
    else:
        pols = [kind] * k
        if k >= 2 and rng.random() < 0.15:
            pols[rng.randrange(k)] = "neu"
        elif k == 1 and rng.random() < 0.06:
            pols.insert(0, "neu")
    for _attempt in range(20):
        chosen: list[tuple[str, str]] = []
        for pol in pols:
            theme = pick_theme(rng, pol, ctx, [t for t, _ in chosen], lang)
            if theme is not None:
                chosen.append((theme, pol))
        if chosen and not has_conflict(chosen):
            break
    clauses = []
    for theme, pol in chosen:
        text = rng.choice(phrases(theme, lang, pol, ctx["channel"]))
        if ctx["country"] == "US":
            text = us_english(text)
        clauses.append((text, pol))
    comment = assemble(clauses, lang, rng)
    sentiment = overall_sentiment([p for _, p in chosen])
    if rng.random() < 0.22:
        closer = rng.choice(CLOSERS[lang][sentiment])
        if ctx["country"] == "US":
            closer = us_english(closer)
        comment += ("" if lang == "zh" else " ") + closer
    return comment, chosen, sentiment


def generate(n: int, seed: int = SEED) -> tuple[list[dict], list[dict]]:
    rng = Random(seed)
    days = (END - START).days + 1
    rows = []
    for _ in range(n):
        date = START + dt.timedelta(days=rng.randrange(days))
        late = date.month >= 9
        lang = weighted_pick(rng, list(LANGS), [0.4, 0.2, 0.2, 0.2])
        country = {"ru": "RU", "pl": "PL", "zh": "CN"}.get(lang) or (
            "UK" if rng.random() < 0.55 else "US"
        )
        channel = weighted_pick(rng, list(CHANNELS), [0.36, 0.26, 0.26, 0.12])
        segment = weighted_pick(rng, ["new", "returning", "business"], [0.3, 0.55, 0.15])
        ctx = {"channel": channel, "segment": segment, "late": late, "country": country}
        r = rng.random()
        labels: list[tuple[str, str]] = []
        word_sentiment = None
        if r < 0.02:
            comment, sentiment = "", None
        elif r < 0.04:
            comment, sentiment = rng.choice(NON_TEXT), None
        elif r < 0.07:
            comment, sentiment = rng.choice(ONE_WORD[lang])
            word_sentiment = sentiment
        else:
            comment, labels, sentiment = make_comment(rng, lang, ctx)
            # realistic mess
            if rng.random() < 0.04:
                comment += ("" if lang == "zh" else " ") + rng.choice(EMOJI[sentiment])
            if lang != "zh" and rng.random() < 0.12:  # casual: no capital, no final period
                comment = comment[:1].lower() + comment[1:]
                if comment.endswith(".") and not comment.endswith(".."):
                    comment = comment[:-1]
            if lang == "pl" and rng.random() < 0.07:  # typed without Polish characters
                comment = comment.translate(PL_PLAIN)
            if rng.random() < 0.05:
                comment = add_typo(comment, lang, rng)
        nps = nps_score(rng, labels, word_sentiment)
        nps_text = "" if rng.random() < 0.01 else str(nps)
        primary = labels[0][0] if labels else None
        rows.append(
            {
                "submitted_at": date.isoformat(),
                "channel": channel,
                "journey_stage": journey_stage(primary, channel),
                "segment": segment,
                "country": country,
                "nps": nps_text,
                "comment": comment,
                "_labels": labels,
                "_sentiment": sentiment,
            }
        )
    rows.sort(key=lambda row: row["submitted_at"])  # stable: keeps generation order per day
    feedback, gold = [], []
    for i, row in enumerate(rows, start=1):
        feedback.append(
            {"response_id": f"R{i:05d}", **{k: v for k, v in row.items() if not k.startswith("_")}}
        )
        if row["_sentiment"] is not None:
            gold.append(
                {
                    "text": row["comment"],
                    "themes": ";".join(f"{t}:{POL_NAME[p]}" for t, p in row["_labels"]),
                    "sentiment": row["_sentiment"],
                }
            )
    return feedback, gold


def write_csv(path: Path, fieldnames: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def check_bank() -> None:
    for theme, by_lang in BANK.items():
        for lang in LANGS:
            for pol in ("pos", "neg"):
                assert len(by_lang[lang][pol]) >= 3, (theme, lang, pol)
                for ch in CHANNELS:
                    if CHANNEL_MULT[ch].get(theme, 1.0) > 0:
                        assert phrases(theme, lang, pol, ch), (theme, lang, pol, ch)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=600, help="number of responses (default 600)")
    ap.add_argument(
        "--out-dir",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="output folder (default: the folder of this script)",
    )
    ap.add_argument("--seed", type=int, default=SEED, help="random seed (default 2026)")
    args = ap.parse_args(argv)
    check_bank()
    feedback, gold = generate(args.n, args.seed)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(
        args.out_dir / "sample_feedback.csv",
        [
            "response_id",
            "submitted_at",
            "channel",
            "journey_stage",
            "segment",
            "country",
            "nps",
            "comment",
        ],
        feedback,
    )
    write_csv(args.out_dir / "sample_feedback_labels.csv", ["text", "themes", "sentiment"], gold)
    print(f"wrote {len(feedback)} responses and {len(gold)} labeled comments to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
