//! What the studio sells: `/services/` and a page per service with its
//! options (length and price), the techniques it uses and a booking link;
//! `Service` JSON-LD with an `Offer` per option.

use serde_json::{json, Value};

use super::*;

pub fn plan(site: &Site, pages: &mut Vec<PagePlan>) {
    let services = &site.content.services;
    if services.is_empty() {
        return;
    }
    let index_url = UrlPath::page(&["services"]);
    let w = &site.words;
    let (crumbs, crumbs_ld) =
        breadcrumbs(site, &[(&w.t("services.crumb", &[]), index_url.clone())]);
    let description = w.t("services.description", &[("studio", studio_name(site))]);
    pages.push(PagePlan::new(
        index_url.clone(),
        "services.html",
        json!({
            "meta": Meta::new(site, &index_url, &w.t("services.title", &[]), &description).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "services": (0..services.len()).map(|s| service_card(site, s)).collect::<Vec<_>>(),
        }),
    ));
    for s in 0..services.len() {
        if !site.language.has(Target::Service(s)) {
            continue;
        }
        pages.push(service_page(site, s));
    }
}

fn studio_name(site: &Site) -> &str {
    let c = &site.config.site;
    if c.studio.name.is_empty() {
        &c.title
    } else {
        &c.studio.name
    }
}

/// A service as lists and other pages show it: name, summary, URL, booking
/// link, and its options with formatted prices.
pub fn service_card(site: &Site, s: usize) -> Value {
    let service = &site.content.services[s];
    let options: Vec<Value> = site.graph.service_options[s]
        .iter()
        .map(|&(minutes, price)| {
            json!({ "minutes": minutes, "price": price, "price_display": format_price(site, price) })
        })
        .collect();
    let from = site.graph.service_options[s]
        .iter()
        .map(|o| o.1)
        .fold(None, |low: Option<f64>, p| {
            Some(low.map_or(p, |l| l.min(p)))
        });
    json!({
        "id": service.id,
        "name": service.data.name,
        "summary": service.data.summary,
        "url": site.link(Target::Service(s)),
        "booking_url": booking_url(site, s),
        "options": options,
        "price_from": from.map(|p| format_price(site, p)),
        "image": site.front_images.services[s].as_ref().map(|h| &h.picture),
        "image_alt": service.data.image_alt,
    })
}

pub fn booking_url(site: &Site, s: usize) -> String {
    let own = &site.content.services[s].data.booking_url;
    if own.is_empty() {
        site.config.site.studio.booking_url.clone()
    } else {
        own.clone()
    }
}

fn service_page(site: &Site, s: usize) -> PagePlan {
    let service = &site.content.services[s];
    let url = site.url(Target::Service(s));
    let (crumbs, crumbs_ld) = breadcrumbs(
        site,
        &[
            (
                &site.words.t("services.crumb", &[]),
                UrlPath::page(&["services"]),
            ),
            (&service.data.name, url.clone()),
        ],
    );
    let c = &site.config.site;
    let offers: Vec<Value> = site.graph.service_options[s]
        .iter()
        .map(|&(minutes, price)| {
            json!({
                "@type": "Offer",
                "name": site.words.plural("services.minutes", minutes.unsigned_abs(), &[]),
                "price": price_text(price),
                "priceCurrency": currency(site),
                "url": booking_url(site, s),
            })
        })
        .collect();
    let mut provider = json!({
        "@type": "HealthAndBeautyBusiness",
        "name": studio_name(site),
        "url": site.config.base.absolute(&UrlPath::page(&[])),
    });
    if !c.studio.address.is_empty() {
        provider["address"] = json!(c.studio.address);
    }
    let hero = site.front_images.services[s].as_ref();
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "Service",
        "name": service.data.name,
        "description": service.data.summary,
        "url": site.config.base.absolute(&url),
        "serviceType": service.data.name,
        "provider": provider,
        "offers": offers,
    });
    if let Some(hero) = hero {
        ld["image"] = json!(sharing_url(site, &hero.sharing));
    }
    let mut cites = PageCitations::new();
    let description_html = site.markdown.service_description[s]
        .as_ref()
        .map(|r| cites.number(&r.html));
    PagePlan::new(
        url.clone(),
        "service.html",
        json!({
            "meta": Meta::new(site, &url, &service.data.name, &service.data.summary)
                .with_image(site, hero, &service.data.image_alt)
                .json_ld(ld)
                .json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "service": service_card(site, s),
            "description_html": description_html,
            "techniques": site.graph.service_techniques[s].iter().map(|&t| technique_card(site, t)).collect::<Vec<_>>(),
            "references": reference_list(site, &cites, &[]),
        }),
    )
    .searchable(SearchKind::Service)
    .origin(service.source.whole())
}

fn currency(site: &Site) -> String {
    let code = site.config.site.studio.currency.trim();
    if code.is_empty() {
        "USD".to_string()
    } else {
        code.to_ascii_uppercase()
    }
}

/// The price as structured data wants it: digits, a point, no symbol.
fn price_text(price: f64) -> String {
    if price.fract() == 0.0 {
        format!("{price:.0}")
    } else {
        format!("{price:.2}")
    }
}

/// "$95", "95,50 €", "95 CHF": the amount written the way the language
/// writes numbers, with the symbol where it is unambiguous for the common
/// studio currencies (else the ISO code), placed as the language places it
/// (`services.price` / `services.price_code` of the words).
pub fn format_price(site: &Site, price: f64) -> String {
    let w = &site.words;
    let amount = w.amount(price);
    let code = currency(site);
    let symbol = match code.as_str() {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        "CAD" => "CA$",
        "AUD" => "A$",
        "NZD" => "NZ$",
        _ => {
            return w.t(
                "services.price_code",
                &[("amount", &amount), ("code", &code)],
            )
        }
    };
    w.t("services.price", &[("amount", &amount), ("symbol", symbol)])
}
