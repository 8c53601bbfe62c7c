//! schema.org JSON-LD for facilities (Hospital, MedicalClinic, Dentist, Pharmacy, …) and
//! lectures (Event), so search engines show hours and dates correctly.

use serde_json::{Value, json};

use super::views::PageView;
use crate::content::pages::PageDetails;
use crate::content::resource::Resource;
use crate::content::site::SiteConfig;

fn schema_type(category: &str) -> &'static str {
    match category {
        "hospital" => "Hospital",
        "clinic" => "MedicalClinic",
        "dental" => "Dentist",
        "pharmacy" => "Pharmacy",
        "home-nursing" | "home-rehab" | "day-rehab" => "MedicalBusiness",
        _ => "LocalBusiness",
    }
}

fn schema_day(day: &str) -> Option<&'static str> {
    Some(match day {
        "mon" => "https://schema.org/Monday",
        "tue" => "https://schema.org/Tuesday",
        "wed" => "https://schema.org/Wednesday",
        "thu" => "https://schema.org/Thursday",
        "fri" => "https://schema.org/Friday",
        "sat" => "https://schema.org/Saturday",
        "sun" => "https://schema.org/Sunday",
        _ => return None,
    })
}

/// JSON text safe to place inside `<script type="application/ld+json">`.
fn script_safe(value: &Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace("</", "<\\/")
        .replace("<!--", "<\\!--")
}

pub fn facility(resource: &Resource, site: &SiteConfig) -> String {
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": schema_type(&resource.category.key),
        "name": resource.name,
        "url": format!("{}resources/{}/", site.base_url, resource.id),
        "address": {
            "@type": "PostalAddress",
            "addressCountry": "JP",
            "streetAddress": resource.address,
        },
    });
    if let Some(postal) = &resource.postal_code {
        value["address"]["postalCode"] = json!(postal);
    }
    if let Some(phone) = &resource.phone {
        value["telephone"] = json!(phone);
    }
    if let Some(fax) = &resource.fax {
        value["faxNumber"] = json!(fax);
    }
    if let Some(email) = &resource.email {
        value["email"] = json!(email);
    }
    if let Some(location) = resource.location {
        value["geo"] =
            json!({"@type": "GeoCoordinates", "latitude": location.lat, "longitude": location.lng});
    }
    if !resource.specialties.is_empty()
        && matches!(resource.category.key.as_str(), "hospital" | "clinic")
    {
        value["medicalSpecialty"] = json!(resource.specialties);
    }
    let hours: Vec<Value> = resource
        .hours
        .iter()
        .filter_map(|band| {
            let days: Vec<&str> = band.days.iter().filter_map(|d| schema_day(d)).collect();
            (!days.is_empty()).then(|| {
                json!({
                    "@type": "OpeningHoursSpecification",
                    "dayOfWeek": days,
                    "opens": band.open,
                    "closes": band.close,
                })
            })
        })
        .collect();
    if !hours.is_empty() {
        value["openingHoursSpecification"] = json!(hours);
    }
    script_safe(&value)
}

pub fn event(lecture: &PageView, site: &SiteConfig) -> String {
    let PageDetails::Lecture {
        date,
        start,
        end,
        venue,
        address,
        fee,
        organizer,
        ..
    } = &lecture.page.details
    else {
        return String::new();
    };
    let value = json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": lecture.page.title,
        "startDate": format!("{date}T{start}:00+09:00"),
        "endDate": format!("{date}T{end}:00+09:00"),
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": {"@type": "Place", "name": venue, "address": {"@type": "PostalAddress", "addressCountry": "JP", "streetAddress": address}},
        "organizer": {"@type": "Organization", "name": organizer},
        "url": format!("{}{}", site.base_url, lecture.url),
        "description": lecture.page.description.clone().unwrap_or_else(|| lecture.text.chars().take(200).collect()),
        "offers": {"@type": "Offer", "description": fee},
    });
    script_safe(&value)
}
